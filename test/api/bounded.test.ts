// A bounded server: event streams capped per client, with a maximum lifetime, fed by one shared blocking reader
// (no polling); archive downloads capped per client; slow requests timed out; parser errors as problem+json;
// paginated samples and checkpoints; integer parameters in digits only; ended jobs deleted after their retention.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertProblem, body, startTestApp, type TestApp } from './test-app.js';
import { connect as sse } from '../helpers/sse.js';
import { jobSpecSchema } from '../../src/contract/job.js';
import { waitUntil } from '../helpers/processes.js';

const spec = jobSpecSchema.parse({ iterations: 100, batchSize: 8, sampleInterval: 10, checkpointInterval: 10 });

/** Sends raw bytes and returns everything the server answers before it closes the connection. */
function raw(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(request));
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

describe('event streams', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await startTestApp({ GANFORGE_SSE_MAX_PER_CLIENT: '12', GANFORGE_SSE_MAX_SECONDS: '2' });
    base = await t.listen();
  });
  after(() => t.close());

  test('one client may hold GANFORGE_SSE_MAX_PER_CLIENT streams; the next is 429 until one closes', async () => {
    const { id } = await t.app.infra.jobs.create(spec);
    const open = await Promise.all(Array.from({ length: 12 }, () => sse(base, `/jobs/${id}/events`)));
    const refused = await fetch(`${base}/jobs/${id}/events`);
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).code, 'TOO_MANY_STREAMS');
    assert.equal(refused.headers.get('retry-after'), '5');
    open[0]!.close();
    await waitUntil(async () => {
      const res = await fetch(`${base}/jobs/${id}/events`, { signal: AbortSignal.timeout(500) }).catch(() => null);
      res?.body?.cancel().catch(() => undefined);
      return res?.status === 200;
    }, 10_000, 'a slot to free up');
    for (const c of open) c.close();
  });

  test('idle streams cost no Redis reads (one shared blocking reader), and each gets a new event at once', async () => {
    const { id } = await t.app.infra.jobs.create(spec);
    const streams = await Promise.all(Array.from({ length: 10 }, () => sse(base, `/jobs/${id}/events?from=now`)));
    await sleep(300);
    const redis = t.app.infra.redis;
    let commands = 0;
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((...args: Parameters<typeof send>) => {
      commands++;
      return send(...args);
    }) as typeof redis.sendCommand;
    try {
      await sleep(1000);
      // Polling every 250 ms, as before, was 10 streams x 4 polls x 2 commands = 80 a second; now none until an event.
      assert.ok(commands <= 2, `${commands} Redis commands in a second from 10 idle streams`);
    } finally {
      redis.sendCommand = send;
    }
    await t.app.infra.events.append(id, 'progress', { iteration: 1, iterations: 100, itPerSec: null, etaSeconds: null });
    await Promise.all(streams.map((s) => s.waitFor(1)));
    for (const s of streams) assert.equal(s.events[0]!.event, 'progress');
    for (const s of streams) s.close();
  });

  test('a stream ends after GANFORGE_SSE_MAX_SECONDS; resuming with Last-Event-ID misses nothing', async () => {
    const { id } = await t.app.infra.jobs.create(spec);
    const first = await sse(base, `/jobs/${id}/events`);
    await t.app.infra.events.append(id, 'progress', { iteration: 1, iterations: 20, itPerSec: null, etaSeconds: null });
    await first.waitFor(1);
    await first.ended;
    await t.app.infra.events.append(id, 'progress', { iteration: 2, iterations: 20, itPerSec: null, etaSeconds: null });
    const second = await sse(base, `/jobs/${id}/events`, { 'last-event-id': first.lastEventId! });
    await second.waitFor(1);
    assert.deepEqual(second.events.map((e) => (e.data as { iteration: number }).iteration), [2]);
    second.close();
  });
});

describe('requests', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await startTestApp({ GANFORGE_REQUEST_TIMEOUT_MS: '1000', GANFORGE_ARCHIVE_MAX_PER_CLIENT: '1' });
    base = await t.listen();
  });
  after(() => t.close());

  test('a body that does not arrive within GANFORGE_REQUEST_TIMEOUT_MS gets 408 problem+json', async () => {
    const answer = await raw(base, 'POST /jobs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(answer, /content-type: application\/problem\+json/i);
    assert.equal(problemOf(answer).code, 'REQUEST_TIMEOUT');
  });

  test("requests Node's parser refuses get problem+json: bad Content-Length, CL with TE, oversized headers", async () => {
    for (const [request, status, code] of [
      ['POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'MALFORMED_REQUEST'],
      ['POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}', 400, 'MALFORMED_REQUEST'],
      [`GET /jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ] as const) {
      const answer = await raw(base, request);
      assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), answer.slice(0, 200));
      assert.match(answer, /content-type: application\/problem\+json/i);
      assert.deepEqual([problemOf(answer).status, problemOf(answer).code], [status, code]);
    }
  });

  test('integer query parameters are decimal digits only', async () => {
    for (const q of ['limit=0x10', 'limit=+5', 'limit=5.0', 'limit=1e1', 'limit=%205', 'limit=']) {
      assertProblem(await t.app.inject({ url: `/jobs?${q}` }), 400, 'VALIDATION_FAILED');
    }
    assert.equal((await t.app.inject({ url: '/jobs?limit=5' })).statusCode, 200);
    const { id } = await t.app.infra.jobs.create(spec);
    for (const q of ['since=1e3', 'every=0x2', 'limit=-1']) {
      assertProblem(await t.app.inject({ url: `/jobs/${id}/metrics?${q}` }), 400, 'VALIDATION_FAILED');
    }
    assertProblem(await t.app.inject({ url: `/jobs/${id}/generator/model.json?iteration=1e1` }), 400, 'VALIDATION_FAILED');
  });

  test('samples and checkpoints come a page at a time, like GET /jobs; the latest checkpoint is the newest', async () => {
    const { id } = await t.app.infra.jobs.create(spec);
    for (const i of [30, 10, 20, 40, 50]) await t.app.infra.artifacts.addSample(id, i, new Uint8Array([i]));
    const pages: number[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { samples: { iteration: number }[]; nextCursor: string | null } = body(await t.app.inject({ url: `/jobs/${id}/samples?limit=2${cursor ? `&cursor=${cursor}` : ''}` }));
      pages.push(page.samples.map((s: { iteration: number }) => s.iteration));
      cursor = page.nextCursor;
    }
    assert.deepEqual(pages, [[10, 20], [30, 40], [50]]);
    for (const i of [100, 300, 200]) await t.app.infra.artifacts.addCheckpoint(id, i, new Map([['state.json', new Uint8Array([1])]]));
    const first = body(await t.app.inject({ url: `/jobs/${id}/checkpoints?limit=2` }));
    assert.deepEqual([first.checkpoints.map((c: { iteration: number }) => c.iteration), first.nextCursor], [[100, 200], '200']);
    const second = body(await t.app.inject({ url: `/jobs/${id}/checkpoints?limit=2&cursor=200` }));
    assert.deepEqual([second.checkpoints.map((c: { iteration: number }) => c.iteration), second.nextCursor], [[300], null]);
    assert.equal((await t.app.infra.artifacts.getCheckpoint(id))?.iteration, 300);
    assertProblem(await t.app.inject({ url: `/jobs/${id}/checkpoints?limit=1001` }), 400, 'VALIDATION_FAILED');
    assertProblem(await t.app.inject({ url: `/jobs/${id}/samples?cursor=abc` }), 400, 'VALIDATION_FAILED');
  });

  test('checkpoint records from before the index are indexed on first use', async () => {
    const { id } = await t.app.infra.jobs.create(spec);
    const keys = t.app.infra.artifacts.keys;
    for (const i of [5, 15]) {
      const record = { iteration: i, size: 1, createdAt: new Date().toISOString(), prefix: `jobs/${id}/checkpoints/${i}`, files: [] };
      await t.app.infra.redis.hset(keys.checkpoints(id), String(i), JSON.stringify(record));
    }
    assert.equal((await t.app.infra.artifacts.getCheckpoint(id))?.iteration, 15);
    assert.deepEqual(await t.app.infra.redis.zrange(keys.checkpointIndex(id), 0, -1), ['5', '15']);
  });

  test('one client downloads GANFORGE_ARCHIVE_MAX_PER_CLIENT archives at once; the next is 429 until one ends', async () => {
    const { id } = await t.app.infra.jobs.create(spec);
    // Large enough that a client that does not read stalls the download (socket buffers are far smaller).
    await t.app.infra.artifacts.addCheckpoint(id, 10, new Map([['generator/weights.bin', new Uint8Array(32 * 1024 ** 2)], ['state.json', new Uint8Array(2)]]));
    const url = `${base}/jobs/${id}/checkpoints/10/archive`;
    const ac = new AbortController();
    const stalled = await fetch(url, { signal: ac.signal });
    assert.equal(stalled.status, 200);
    const refused = await fetch(url);
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).code, 'TOO_MANY_STREAMS');
    ac.abort();
    await waitUntil(async () => {
      const res = await fetch(url);
      await res.body?.cancel();
      return res.status === 200;
    }, 10_000, 'the slot to free up');
  });
});

test('GANFORGE_JOB_RETENTION_DAYS: ended jobs past it are deleted with every Redis record and artifact; others stay', async () => {
  const t = await startTestApp({ GANFORGE_JOB_RETENTION_DAYS: '1' });
  try {
    const { jobs, artifacts, redis } = t.app.infra;
    const old = (await jobs.create(spec)).id;
    const recent = (await jobs.create(spec)).id;
    const running = (await jobs.create(spec)).id;
    for (const id of [old, recent, running]) {
      await artifacts.addSample(id, 10, new Uint8Array([1, 2, 3]));
      await t.app.infra.events.append(id, 'progress', { iteration: 10, iterations: 20, itPerSec: null, etaSeconds: null });
    }
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    await jobs.update(old, { status: 'completed', finishedAt: daysAgo(2) });
    await jobs.update(recent, { status: 'failed', finishedAt: daysAgo(0.5) });
    await jobs.update(running, { status: 'running' });
    assert.deepEqual(await t.app.services.retention!.sweep(), [old]);
    assert.equal(await jobs.get(old), null);
    assert.ok(await jobs.get(recent));
    assert.ok(await jobs.get(running));
    let cursor = '0';
    const left: string[] = [];
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${t.env.GANFORGE_PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      left.push(...keys.filter((k) => k.includes(old)));
    } while (cursor !== '0');
    assert.deepEqual(left, [], 'no key of the deleted job is left');
    assert.equal((await redis.hvals(artifacts.keys.samples)).filter((s) => s.includes(old)).length, 0);
    assert.equal(await artifacts.store.get(`jobs/${old}/samples`), null);
  } finally {
    await t.close();
  }
});
