// Every operation in openapi.yaml driven over real HTTP (API + wasm worker), every response checked against the document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { freePort, startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { OpenApiValidator } from '../helpers/openapi-validator.js';
import { makeZip, solidPng } from '../helpers/archives.js';

const OPENAPI = new URL('../../openapi.yaml', import.meta.url);
const validator = OpenApiValidator.fromFile(OPENAPI);

const prefix = uniquePrefix('conformance');
const redis = connect();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-conformance-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = {
  GANFORGE_PREFIX: prefix,
  GANFORGE_DATA_DIR: dataDir,
  GANFORGE_BACKEND: 'wasm',
  PORT: String(port),
  HOST: '127.0.0.1',
  // This test sends a few hundred requests; the limits are tested elsewhere.
  GANFORGE_RATE_LIMIT_MAX: '100000',
  GANFORGE_RATE_LIMIT_CREATE_MAX: '100000',
  // The endless job (a million iterations) is over the default size quota, which test/api/quota.test.ts covers.
  GANFORGE_QUOTA_JOB_EXAMPLES: '0',
  // Scoring on, small: the score route answers 202 once the job has recorded its scorer (trained meanwhile or not).
  GANFORGE_QUALITY_SAMPLES: '50',
  GANFORGE_QUALITY_EPOCHS: '1',
};
let api: Proc;
let worker: Proc;

/** Responses that broke the document, and the operations (with their statuses) that were exercised. */
const violations: string[] = [];
const exercised = new Map<string, Set<number>>();

before(async () => {
  api = startProcess('src/api/server.ts', env);
  worker = startProcess('src/worker/main.ts', env);
  await api.waitFor(/Server listening/);
  await worker.waitFor(/worker ready/);
});

after(async () => {
  await Promise.all([api, worker].map((p) => stopProcess(p)));
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  bytes: Uint8Array;
  /** The decoded body of a JSON response, read freely by the assertions. */
  json: any;
}

const isJson = (headers: Headers) => /^application\/([\w.-]+\+)?json\b/i.test(headers.get('content-type') ?? '');

function check(method: string, url: string, status: number, headers: Headers, body: unknown): void {
  const { operation, errors } = validator.validateResponse(method, url, status, headers, body);
  if (operation) {
    const statuses = exercised.get(operation.operationId) ?? new Set<number>();
    exercised.set(operation.operationId, statuses.add(status));
  }
  violations.push(...errors);
}

/** One request over HTTP; the response is validated against openapi.yaml before it is returned. */
async function call(
  method: string,
  url: string,
  opts: { json?: unknown; body?: string | Blob; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers = { ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
  const res = await fetch(`${base}${url}`, { method, headers, body, redirect: 'manual' });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = Buffer.from(bytes).toString('utf8');
  const json = isJson(res.headers) && text ? JSON.parse(text) : undefined;
  check(method, url, res.status, res.headers, isJson(res.headers) ? json : bytes);
  return { status: res.status, headers: res.headers, text, bytes, json };
}

interface Event {
  id: string;
  event: string;
  data: unknown;
}

function parseEvents(text: string): Event[] {
  return text
    .split('\n\n')
    .map((block) => Object.fromEntries(block.split('\n').filter((l) => /^(id|event|data):/.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])))
    .filter((f) => f.event)
    .map((f) => ({ id: f.id!, event: f.event!, data: JSON.parse(f.data!) }));
}

/** Opens an event stream, reads until `count` events arrived (or the server ended it), then hangs up. */
async function readEvents(url: string, count: number): Promise<{ status: number; headers: Headers; events: Event[] }> {
  const ac = new AbortController();
  const res = await fetch(`${base}${url}`, { signal: ac.signal });
  // The body is a stream that never was fully read: status, media type and headers are what can be checked.
  check('GET', url, res.status, res.headers, undefined);
  let text = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  try {
    while (parseEvents(text).length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    ac.abort();
  }
  return { status: res.status, headers: res.headers, events: parseEvents(text) };
}

async function jobUntil(id: string, ok: (job: { status: string; progress: { iteration: number } }) => boolean, what: string, ms = 240_000) {
  return waitUntil(async () => {
    const r = await call('GET', `/jobs/${id}`);
    return r.status === 200 && ok(r.json) && r.json;
  }, ms, what);
}

const small = { iterations: 40, batchSize: 16, sampleInterval: 20, checkpointInterval: 20, seed: 7, dataset: 'mnist' };
// Runs until cancelled, and never reaches a sample or a checkpoint.
const endless = { ...small, iterations: 1_000_000, sampleInterval: 1_000_000, checkpointInterval: 1_000_000 };
const unknownId = () => crypto.randomUUID();

test('operations: health, readiness, the document, docs, Prometheus, workers, an unknown route', async () => {
  assert.equal((await call('GET', '/healthz')).status, 200);
  assert.equal((await call('GET', '/readyz')).status, 200);
  const doc = await call('GET', '/openapi.yaml');
  assert.equal(doc.status, 200);
  assert.equal(doc.text, await fs.readFile(OPENAPI, 'utf8'));
  const metrics = await call('GET', '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /ganforge_workers/);
  await waitUntil(async () => {
    const r = await call('GET', '/workers');
    return r.status === 200 && r.json.workers.some((w: { backend: { name: string } }) => /^wasm(\+|$)/.test(w.backend.name));
  }, 30_000, 'the worker to be listed');

  // Not operations of the document: the docs UI, and a route that does not exist (still a problem document).
  const docs = await fetch(`${base}/docs`);
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger-ui/i);
  const res = await fetch(`${base}/no/such/route`);
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = validator.componentSchema('Problem');
  assert.ok(problem(await res.json()), JSON.stringify(problem.errors));
});

test('POST /jobs refusals: validation, unknown field, media type, size, malformed JSON, Idempotency-Key', async () => {
  const invalid = await call('POST', '/jobs', { json: { ...small, iterations: 0 } });
  assert.equal(invalid.status, 400);
  assert.ok(invalid.json.errors.some((e: { path: string }) => e.path === 'body.iterations'));
  assert.equal((await call('POST', '/jobs', { json: { ...small, bogus: 1 } })).status, 400);
  assert.equal((await call('POST', '/jobs', { body: 'iterations=40', headers: { 'content-type': 'text/plain' } })).status, 415);
  assert.equal((await call('POST', '/jobs', { json: { ...small, name: 'x'.repeat(100_000) } })).status, 413);
  assert.equal((await call('POST', '/jobs', { body: '{"iterations":', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await call('POST', '/jobs', { body: '', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await call('POST', '/jobs', { json: small, headers: { 'idempotency-key': 'k'.repeat(256) } })).status, 400);
});

test('a job that never checkpoints, a queued one: events while running, 404 generators, cancel, resume and delete', async () => {
  const running = await call('POST', '/jobs', { json: { ...endless, name: 'endless' } });
  assert.equal(running.status, 201);
  const b = running.json.id as string;
  await jobUntil(b, (j) => j.status === 'running' && j.progress.iteration > 0, 'the endless job to run');

  const stream = await readEvents(`/jobs/${b}/events`, 3);
  assert.equal(stream.status, 200);
  assert.ok(stream.events.length >= 3);
  assert.ok((await call('GET', '/jobs?status=running')).json.jobs.some((j: { id: string }) => j.id === b));
  for (const file of ['model.json', 'weights.bin']) assert.equal((await call('GET', `/jobs/${b}/generator/${file}`)).status, 404);
  assert.equal((await call('GET', `/jobs/${b}/checkpoints`)).json.checkpoints.length, 0);

  // The one worker is busy: this job waits in the queue, is cancelled there, and can then be deleted.
  const c = (await call('POST', '/jobs', { json: small })).json.id as string;
  assert.ok((await call('GET', '/jobs?status=queued')).json.jobs.some((j: { id: string }) => j.id === c));
  const cancelled = await call('POST', `/jobs/${c}/cancel`);
  assert.equal(cancelled.status, 202);
  assert.equal(cancelled.json.status, 'cancelled');
  assert.equal((await call('POST', `/jobs/${c}/cancel`)).status, 409);
  // Resumed, it waits in the queue again (409 for a second resume); cancelled there once more.
  assert.equal((await call('POST', `/jobs/${c}/resume`, { json: { iterations: 0 } })).status, 400);
  assert.equal((await call('POST', `/jobs/${c}/resume`, { json: { bogus: 1 } })).status, 400);
  assert.equal((await call('POST', `/jobs/${c}/resume`, { body: 'x', headers: { 'content-type': 'text/plain' } })).status, 415);
  const resumed = await call('POST', `/jobs/${c}/resume`, { json: { iterations: 50 } });
  assert.equal(resumed.status, 202);
  assert.equal(resumed.json.status, 'queued');
  assert.equal(resumed.json.spec.iterations, 50);
  assert.equal((await call('POST', `/jobs/${c}/resume`)).status, 409);
  assert.equal((await call('POST', `/jobs/${unknownId()}/resume`)).status, 404);
  assert.equal((await call('POST', `/jobs/${c}/cancel`)).json.status, 'cancelled');
  assert.equal((await call('POST', `/jobs/${c}/resume`)).status, 202, 'no body: to its own total');
  assert.equal((await call('POST', `/jobs/${c}/cancel`)).json.status, 'cancelled');
  assert.equal((await call('DELETE', `/jobs/${c}`)).status, 204);
  assert.equal((await call('GET', `/jobs/${c}`)).status, 404);
  assert.equal((await call('DELETE', `/jobs/${c}`)).status, 404);
  assert.equal((await call('POST', `/jobs/${c}/cancel`)).status, 404);

  assert.equal((await call('DELETE', `/jobs/${b}`)).status, 409);
  const cancelRunning = await call('POST', `/jobs/${b}/cancel`);
  assert.equal(cancelRunning.status, 202);
  assert.equal(cancelRunning.json.cancelRequested, true);
  await jobUntil(b, (j) => j.status === 'cancelled', 'the endless job to stop', 60_000);
});

test('a small job end to end: Idempotency-Key, metrics, events, samples, checkpoints and their archives, generator, list pages, delete', async () => {
  const key = crypto.randomUUID();
  const created = await call('POST', '/jobs', { json: { ...small, name: 'conformance' }, headers: { 'idempotency-key': key } });
  assert.equal(created.status, 201);
  const a = created.json.id as string;
  assert.equal(created.headers.get('location'), `/jobs/${a}`);
  const replayed = await call('POST', '/jobs', { json: { ...small, name: 'conformance' }, headers: { 'idempotency-key': key } });
  assert.equal(replayed.status, 201);
  assert.equal(replayed.json.id, a);
  assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
  assert.equal((await call('POST', '/jobs', { json: { ...small, seed: 8 }, headers: { 'idempotency-key': key } })).status, 422);

  await jobUntil(a, (j) => j.status === 'completed', 'the small job to complete');
  assert.equal((await call('GET', `/jobs/${a}`)).status, 200);
  assert.equal((await call('GET', '/jobs/not-a-uuid')).status, 404);

  // Metrics: JSON, pages, windows, CSV by query and by Accept, a bad query, an unknown job.
  assert.equal((await call('GET', `/jobs/${a}/metrics`)).json.points.length, 40);
  assert.equal((await call('GET', `/jobs/${a}/metrics?since=10&limit=5`)).json.nextSince, 15);
  assert.equal((await call('GET', `/jobs/${a}/metrics?every=20`)).json.points.length, 2);
  assert.match((await call('GET', `/jobs/${a}/metrics?format=csv`)).text, /^iteration,dLoss,dAcc,gLoss\n/);
  assert.match((await call('GET', `/jobs/${a}/metrics`, { headers: { accept: 'text/csv' } })).headers.get('content-type')!, /^text\/csv/);
  assert.equal((await call('GET', `/jobs/${a}/metrics?every=0`)).status, 400);
  assert.equal((await call('GET', `/jobs/${a}/metrics?limit=abc`)).status, 400);
  assert.equal((await call('GET', `/jobs/${unknownId()}/metrics`)).status, 404);

  // Quality (its points, however many the worker scored) and the jobs of a comparison by ?ids=.
  assert.equal((await call('GET', `/jobs/${a}/quality`)).json.jobId, a);
  assert.equal((await call('GET', `/jobs/${unknownId()}/quality`)).status, 404);
  assert.deepEqual((await call('GET', `/jobs?ids=${a}`)).json.jobs.map((j: { id: string }) => j.id), [a]);
  assert.equal((await call('GET', `/jobs?ids=${a},${unknownId()}`)).status, 404);
  assert.equal((await call('GET', `/jobs?ids=${a},nope`)).status, 400);

  // Events: the replay of a finished job ends by itself; nothing after its last event is 204.
  const replay = await readEvents(`/jobs/${a}/events`, Number.POSITIVE_INFINITY);
  assert.equal(replay.status, 200);
  const last = replay.events.at(-1)!;
  assert.equal(last.event, 'status');
  assert.equal((await call('GET', `/jobs/${a}/events`, { headers: { 'last-event-id': last.id } })).status, 204);
  assert.equal((await call('GET', `/jobs/${a}/events`, { headers: { 'last-event-id': 'nope' } })).status, 400);
  assert.equal((await call('GET', `/jobs/${unknownId()}/events`)).status, 404);

  // Samples: the list, a PNG, a revalidation, unknown and malformed names.
  const samples = (await call('GET', `/jobs/${a}/samples`)).json.samples as { url: string }[];
  assert.equal(samples.length, 2);
  const png = await call('GET', samples[0]!.url);
  assert.equal(png.status, 200);
  const etag = png.headers.get('etag')!;
  assert.equal((await call('GET', samples[0]!.url, { headers: { 'if-none-match': etag } })).status, 304);
  assert.equal((await call('GET', `/samples/${unknownId()}.png`)).status, 404);
  assert.equal((await call('GET', '/samples/nope.png')).status, 404);
  assert.equal((await call('GET', `/jobs/${unknownId()}/samples`)).status, 404);

  // Checkpoints and the generator, latest and pinned, with bad and unknown iterations.
  assert.deepEqual((await call('GET', `/jobs/${a}/checkpoints`)).json.checkpoints.map((c: { iteration: number }) => c.iteration), [20, 40]);
  assert.equal((await call('GET', `/jobs/${unknownId()}/checkpoints`)).status, 404);
  const archive = await call('GET', `/jobs/${a}/checkpoints/20/archive`);
  assert.equal(archive.status, 200);
  assert.equal(archive.headers.get('content-disposition'), 'attachment; filename="conformance-20.tar"');
  // A POSIX tar: the first entry's name, then "ustar" at offset 257 of its header; the end is two zero blocks.
  assert.equal(Buffer.from(archive.bytes.subarray(0, 8)).toString(), 'job.json');
  assert.equal(Buffer.from(archive.bytes.subarray(257, 262)).toString(), 'ustar');
  assert.equal(archive.bytes.length % 512, 0);
  for (const it of ['21', 'abc', '-1']) assert.equal((await call('GET', `/jobs/${a}/checkpoints/${it}/archive`)).status, 404, it);
  assert.equal((await call('GET', `/jobs/${unknownId()}/checkpoints/20/archive`)).status, 404);
  const score = await call('POST', `/jobs/${a}/checkpoints/20/score`);
  assert.equal(score.status, 202, score.text);
  assert.equal(score.headers.get('location'), `/jobs/${a}/quality`);
  assert.equal((await call('POST', `/jobs/${a}/checkpoints/21/score`)).status, 404);
  assert.equal((await call('POST', `/jobs/${unknownId()}/checkpoints/20/score`)).status, 404);
  const model = await call('GET', `/jobs/${a}/generator/model.json`);
  assert.equal(model.status, 200);
  assert.equal(model.headers.get('x-checkpoint-iteration'), '40');
  assert.equal((await call('GET', `/jobs/${a}/generator/model.json?iteration=20`)).status, 200);
  assert.equal((await call('GET', `/jobs/${a}/generator/model.json?iteration=21`)).status, 404);
  assert.equal((await call('GET', `/jobs/${a}/generator/model.json?iteration=abc`)).status, 400);
  const weights = await call('GET', `/jobs/${a}/generator/weights.bin`);
  assert.equal(weights.status, 200);
  assert.ok(weights.bytes.length > 0);
  assert.equal((await call('GET', `/jobs/${a}/generator/weights.bin?iteration=20`)).status, 200);
  assert.equal((await call('GET', `/jobs/${a}/generator/weights.bin?iteration=-1`)).status, 400);
  assert.equal((await call('GET', `/jobs/${unknownId()}/generator/weights.bin`)).status, 404);
  // A fresh grid from the generator: the same seed, the same bytes; a label is for conditional models only.
  const grid = await call('GET', `/jobs/${a}/generate.png?n=4&seed=5`);
  assert.equal(grid.status, 200);
  assert.deepEqual((await call('GET', `/jobs/${a}/generate.png?n=4&seed=5&iteration=20`)).bytes.length > 0, true);
  assert.equal((await call('GET', `/jobs/${a}/generate.png?label=3`)).status, 400);
  assert.equal((await call('GET', `/jobs/${a}/generate.png?n=1000`)).status, 400);

  // Listing: filters, every page by cursor, bad queries.
  assert.ok((await call('GET', '/jobs?status=completed')).json.jobs.some((j: { id: string }) => j.id === a));
  const seen: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: Reply = await call('GET', `/jobs?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200);
    seen.push(...page.json.jobs.map((j: { id: string }) => j.id));
    cursor = page.json.nextCursor;
  }
  assert.equal(seen.length, 2, 'the completed and the cancelled job, one per page');
  assert.equal(seen[0], a);
  for (const q of ['limit=0', 'limit=101', 'limit=abc', 'cursor=!!', 'status=bogus']) {
    assert.equal((await call('GET', `/jobs?${q}`)).status, 400, q);
  }

  // A finished job cannot be cancelled; it can be deleted, once.
  assert.equal((await call('POST', `/jobs/${a}/cancel`)).status, 409);
  assert.equal((await call('DELETE', `/jobs/${a}`)).status, 204);
  assert.equal((await call('DELETE', `/jobs/${a}`)).status, 404);
  assert.equal((await call('GET', samples[0]!.url)).status, 404);
  assert.equal((await call('GET', `/jobs/${a}/generator/model.json`)).status, 404);
  assert.equal((await call('GET', `/jobs/${a}/generator/weights.bin`)).status, 404);
  assert.equal((await call('GET', `/jobs/${a}/checkpoints/20/archive`)).status, 404);
  assert.equal((await call('GET', '/workers')).status, 200);
  assert.equal((await call('GET', '/metrics')).status, 200);
});

test('datasets: upload (zip), processing to ready, list, get, preview, delete; 400, 404, 409, 415 as documented', async () => {
  const png = await solidPng(28, 28, [200, 10, 10]);
  const zip = makeZip([{ name: 'a/1.png', data: png }, { name: 'b/1.png', data: png }]);
  const up = await call('POST', '/datasets?name=conformance&size=28&channels=3', { body: new Blob([new Uint8Array(zip)]), headers: { 'content-type': 'application/zip' } });
  assert.equal(up.status, 202, up.text);
  const id = up.json.id as string;
  assert.equal((await call('GET', `/datasets/${id}/preview.png`)).status, 409);
  const ready = await waitUntil(async () => {
    const r = await call('GET', `/datasets/${id}`);
    return r.json.status !== 'processing' && r.json;
  }, 60_000, 'the dataset to be processed');
  assert.equal(ready.status, 'ready', JSON.stringify(ready));
  const list = await call('GET', '/datasets');
  assert.ok(list.json.datasets.some((d: { id: string }) => d.id === id));
  assert.equal((await call('GET', `/datasets/${id}/preview.png`)).status, 200);
  assert.equal((await call('GET', `/datasets/${unknownId()}`)).status, 404);
  assert.equal((await call('POST', '/datasets?name=x', { body: 'hello', headers: { 'content-type': 'text/plain' } })).status, 415);
  assert.equal((await call('POST', '/datasets?name=x&size=7', { body: new Blob([new Uint8Array(zip)]), headers: { 'content-type': 'application/zip' } })).status, 400);
  assert.equal((await call('DELETE', `/datasets/${id}`)).status, 204);
  assert.equal((await call('DELETE', `/datasets/${id}`)).status, 404);
});

test('API keys: create, list, revoke; 401, 403 and 400 as documented (last: the first key turns authentication on)', async () => {
  const created = await call('POST', '/keys', { json: { project: 'conformance', role: 'admin', name: 'e2e' } });
  assert.equal(created.status, 201);
  const admin = { authorization: `Bearer ${created.json.token}` };
  assert.equal((await call('GET', '/keys')).status, 401);
  assert.equal((await call('GET', '/jobs')).status, 401);
  assert.equal((await call('GET', '/keys', { headers: admin })).status, 200);
  assert.equal((await call('GET', '/quota', { headers: admin })).status, 200);
  assert.equal((await call('POST', '/keys', { json: { project: 'Bad Name', role: 'admin' }, headers: admin })).status, 400);
  const member = await call('POST', '/keys', { json: { project: 'conformance', role: 'member' }, headers: admin });
  assert.equal((await call('GET', '/keys', { headers: { authorization: `Bearer ${member.json.token}` } })).status, 403);
  assert.equal((await call('POST', '/session', { json: { token: 'gf_wrong' } })).status, 401);
  const login = await call('POST', '/session', { json: { token: member.json.token } });
  assert.equal(login.status, 200);
  const cookie = { cookie: login.headers.get('set-cookie')!.split(';')[0]! };
  assert.equal((await call('GET', '/session', { headers: cookie })).status, 200);
  assert.equal((await call('DELETE', '/session', { headers: cookie })).status, 403, 'no CSRF token');
  assert.equal((await call('DELETE', '/session', { headers: { ...cookie, 'x-csrf-token': login.json.csrfToken } })).status, 204);
  assert.equal((await call('GET', '/session', { headers: cookie })).status, 401);
  assert.equal((await call('DELETE', `/keys/${member.json.id}`, { headers: admin })).status, 204);
  assert.equal((await call('DELETE', `/keys/${member.json.id}`, { headers: admin })).status, 404);
  assert.equal((await call('DELETE', `/keys/${created.json.id}`, { headers: admin })).status, 204);
  assert.equal((await call('GET', '/jobs?limit=1')).status, 200, 'no key left: open again');
});

test('every response conformed to openapi.yaml', () => {
  assert.deepEqual(violations, []);
});

test('every operation in openapi.yaml was exercised', () => {
  const missing = validator.operations.map((o) => o.operationId).filter((id) => !exercised.has(id));
  assert.deepEqual(missing, [], `not exercised: ${missing.join(', ')}`);
  // Not only refusals: each operation answered successfully at least once.
  for (const [id, statuses] of exercised) assert.ok([...statuses].some((s) => s < 300), `${id} never succeeded`);
});
