// Property-based fuzzing of every route through app.inject: never a 5xx, every 4xx a matching problem document, nothing
// served from outside the artifact store. FUZZ_RUNS and FUZZ_SEED (printed by fast-check on failure) replay a run.
import { metricNames } from '../../src/contract/job.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { PNG } from 'pngjs';
import { startTestApp, type TestApp } from './test-app.js';

const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const CANARY = `canary-${randomUUID()}`;
/** Text of files outside the artifact store that a path traversal would serve. */
const OUTSIDE = [CANARY, 'root:x:0:0:', '"description": "Train generative adversarial networks'];

let t: TestApp;
let root: string;
/** Jobs that exist: `done` has finished (its event stream ends), `live` is queued (its stream would not). */
const known = { done: '', live: '', sample: '' };
let assetBase = '';

type Res = Awaited<ReturnType<TestApp['app']['inject']>>;

function check(res: Res, what: string, method: string): void {
  const label = `${what} -> ${res.statusCode}: ${res.body.slice(0, 300)}`;
  assert.ok(res.statusCode < 500, label);
  if (res.statusCode >= 400) {
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/, label);
    // A HEAD answer has the headers of the GET one and no body.
    if (method === 'HEAD') return assert.equal(res.body, '', label);
    const problem = JSON.parse(res.body) as { status: number; code: string; type: string };
    assert.equal(problem.status, res.statusCode, label);
    assert.equal(typeof problem.code, 'string', label);
    assert.match(problem.type, /^urn:ganforge:problem:[a-z-]+$/, label);
  }
  const text = res.rawPayload.toString('latin1');
  for (const marker of OUTSIDE) assert.ok(!text.includes(marker), `${label}: served ${marker}`);
}

async function send(opts: InjectOptions & { url: string }): Promise<void> {
  const res = await t.app.inject(opts);
  const method = opts.method ?? 'GET';
  check(res, `${method} ${opts.url.slice(0, 300)}`, method);
}

const run = (property: fc.IAsyncPropertyWithHooks<any>) => fc.assert(property, { numRuns: NUM_RUNS, seed: SEED });

/** encodeURIComponent that survives lone surrogates (they become U+FFFD, as a browser would send them). */
const encode = (s: string) =>
  encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** Header values a real HTTP client can send: tab, printable ASCII and obs-text bytes. */
const headerValue = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('', ' ', '\t', '0', '0-0', '-1', '1-1', '99999999999999999999-0', '18446744073709551615-18446744073709551615', '18446744073709551616-0', '%00', '../../etc/passwd', 'x'.repeat(5000)),
).map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').trim());

const traversal = fc.constantFrom(
  '..', '../', '..%2f', '..%2F', '%2e%2e', '%2e%2e%2f', '%2e%2e/%2e%2e/%2e%2e/etc/passwd', '..%2f..%2fcanary.txt', '../canary.txt',
  '../../canary.txt', '%2e%2e%2f%2e%2e%2fcanary.txt', '%252e%252e%252f', '..%5c..%5c', '%c0%ae%c0%ae%2f', '%00', '%2500', '.',
  '/etc/passwd', '%2fetc%2fpasswd', 'canary.txt', 'data/../canary.txt', 'jobs%2f..%2f..%2fcanary.txt',
);

/** Path segments: existing ids, other UUIDs, traversal, NUL bytes, odd unicode, very long ones. */
const idSegment = (opts: { live: boolean }) =>
  fc.oneof(
    fc.constantFrom(...[known.done, known.sample, ...(opts.live ? [known.live] : [])]),
    fc.uuid().map(String),
    fc.uuid().map((u) => u.toUpperCase()),
    traversal,
    fc.constantFrom(`${known.done}%00`, `${known.done}%2f..`, `${known.done}.png`, `${known.done}/`, `${known.done}%20`),
    fc.string({ unit: 'binary', maxLength: 40 }).map(encode),
    fc.stringMatching(/^[A-Za-z0-9._~%-]{0,40}$/),
    fc.integer({ min: 90, max: 3000 }).map((n) => 'a'.repeat(n)),
  );

/** Query values: numbers of every size and sign, floats, numeric-looking strings, unicode, empty, repeated. */
const queryValue = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.constantFrom('', ' ', '0', '-0', '1e3', '1e309', '-1e309', '0x10', '0b1', '1_000', '+5', '00', '1.0', 'NaN', 'Infinity', 'csv', 'json', 'CSV', 'null', 'true', '[]', '{}', '%00', '1%00', '9007199254740993'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** A query string over these names: URL-encoded, raw (malformed escapes included), or with repeated parameters. */
const queryString = (names: readonly string[]) =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...names), queryValue, { maxKeys: names.length }).map((q) => new URLSearchParams(q).toString()),
    fc.array(fc.tuple(fc.constantFrom(...names, 'x', ''), queryValue), { maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encode(v)}`).join('&')),
    fc.stringMatching(/^[A-Za-z0-9=&%._+-]{0,60}$/),
  );

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ganforge-fuzz-'));
  const dataDir = path.join(root, 'data');
  await mkdir(dataDir);
  await writeFile(path.join(root, 'canary.txt'), CANARY);
  await writeFile(path.join(root, 'canary.png'), CANARY);
  t = await startTestApp({
    GANFORGE_DATA_DIR: dataDir,
    GANFORGE_BODY_LIMIT: '16384',
    GANFORGE_RATE_LIMIT_MAX: '1000000',
    GANFORGE_RATE_LIMIT_CREATE_MAX: '1000000',
    GANFORGE_MAX_ACTIVE_JOBS: '100000',
  });
  const { jobs, events, metrics, artifacts } = t.app.infra;
  const create = async () => JSON.parse((await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 100 } })).body).id as string;
  known.done = await create();
  known.live = await create();
  await metrics.write(known.done, metricNames('gan'), Array.from({ length: 50 }, (_, i) => ({ iteration: i + 1, dLoss: 0.5, dAcc: 0.5, gLoss: 1 })));
  const image = new PNG({ width: 2, height: 2 });
  known.sample = (await artifacts.addSample(known.done, 10, new Uint8Array(PNG.sync.write(image)))).id;
  const model = { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] };
  await artifacts.addCheckpoint(
    known.done,
    20,
    new Map([
      ['generator/model.json', new TextEncoder().encode(JSON.stringify(model))],
      ['generator/weights.bin', new Uint8Array(16)],
      ['state.json', new TextEncoder().encode('{}')],
    ]),
  );
  await events.append(known.done, 'progress', { iteration: 50, iterations: 50, itPerSec: null, etaSeconds: 0 });
  await events.append(known.done, 'status', { status: 'completed', error: null });
  await jobs.update(known.done, { status: 'completed', iteration: 50 });
  assetBase = /href="(ui\/[^/]+)\//.exec((await t.app.inject({ method: 'GET', url: '/' })).body)![1]!;
});

after(async () => {
  await t?.close();
  await rm(root, { recursive: true, force: true });
});

describe('fuzz', () => {
  test('the fixtures are served, and the canary is where a traversal would find it', async () => {
    assert.equal(await readFile(path.join(root, 'canary.txt'), 'utf8'), CANARY);
    for (const url of [`/jobs/${known.done}/metrics`, `/samples/${known.sample}.png`, `/jobs/${known.done}/generator/model.json`, `/jobs/${known.done}/events`]) {
      assert.equal((await t.app.inject({ method: 'GET', url })).statusCode, 200, url);
    }
  });

  test('POST /jobs: random and malformed bodies, content types and Idempotency-Keys', async () => {
    const field = fc.constantFrom('model', 'dataset', 'iterations', 'batchSize', 'latentDim', 'learningRate', 'beta1', 'beta2', 'sampleInterval', 'checkpointInterval', 'seed', 'sampleGrid', 'name', '__proto__', 'constructor', '');
    const fieldValue = fc.oneof(
      fc.integer(),
      fc.integer({ min: 1, max: 50 }),
      fc.double(),
      fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 0.5, 1e-320),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('gan', 'mnist', 'fashion-mnist', '\u0000', '\u202e', '\ud800', '𝔤𝔞𝔫', ' '),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const json = (v: unknown) => JSON.stringify(v) ?? 'null';
    const small = { iterations: 10, batchSize: 4, name: 'fuzz' };
    const payload = fc.oneof(
      // A valid body with one field changed reaches past the parser into validation and job creation.
      { arbitrary: fc.tuple(field, fieldValue).map(([k, v]) => json({ ...small, [k]: v })), weight: 3 },
      fc.dictionary(field, fieldValue, { maxKeys: 5 }).map(json),
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom('', '{', '}', '{"iterations": }', '{"__proto__": {"polluted": 1}}', '{"constructor": {"prototype": {"polluted": 1}}}', 'null', '[]', '"x"', '1e999', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.integer({ min: 100, max: 20_000 }).map((n) => `{"name": "${'x'.repeat(n)}"}`),
    );
    const contentType = fc.oneof(
      { arbitrary: fc.constant('application/json'), weight: 6 },
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=utf-16', 'application/json;', 'application/problem+json', 'application/merge-patch+json', 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '*/*', ';', ''),
      headerValue,
    );
    await run(
      // A few repeated keys, so that replays and key reuse with another body happen too.
      fc.asyncProperty(payload, fc.option(contentType), fc.option(fc.oneof(fc.constantFrom('k1', 'k2', 'k3'), headerValue)), async (body, type, key) => {
        const headers: Record<string, string> = {};
        if (type !== null) headers['content-type'] = type;
        if (key !== null) headers['idempotency-key'] = key;
        await send({ method: 'POST', url: '/jobs', payload: body, headers });
      }),
    );
  });

  test('job routes: ids with traversal, NUL bytes, odd unicode and great length', async () => {
    const route = fc.constantFrom(
      (id: string) => ({ method: 'GET' as const, url: `/jobs/${id}` }),
      (id: string) => ({ method: 'HEAD' as const, url: `/jobs/${id}` }),
      (id: string) => ({ method: 'GET' as const, url: `/jobs/${id}/metrics` }),
      (id: string) => ({ method: 'GET' as const, url: `/jobs/${id}/samples` }),
      (id: string) => ({ method: 'GET' as const, url: `/jobs/${id}/checkpoints` }),
      (id: string) => ({ method: 'GET' as const, url: `/jobs/${id}/generator/model.json` }),
      (id: string) => ({ method: 'GET' as const, url: `/jobs/${id}/generator/weights.bin` }),
      (id: string) => ({ method: 'GET' as const, url: `/samples/${id}.png` }),
      (id: string) => ({ method: 'GET' as const, url: `/samples/${id}` }),
      (id: string) => ({ method: 'GET' as const, url: `/${assetBase}/${id}` }),
      (id: string) => ({ method: 'GET' as const, url: `/${assetBase}/js/${id}` }),
      (id: string) => ({ method: 'GET' as const, url: `/${assetBase}/vendor/uplot/${id}` }),
      (id: string) => ({ method: 'GET' as const, url: `/docs/static/${id}` }),
    );
    // The event stream of a job that is not finished never ends, so it is only asked of the finished one.
    const events = (id: string) => ({ method: 'GET' as const, url: `/jobs/${id}/events` });
    const request = fc.oneof(
      fc.tuple(route, idSegment({ live: true })).map(([r, id]) => r(id)),
      idSegment({ live: false }).map(events),
    );
    await run(fc.asyncProperty(request, send));
  });

  test('destructive routes with unknown and malformed ids: cancel, delete', async () => {
    const id = fc.oneof(fc.uuid().map(String), traversal, fc.string({ unit: 'binary', maxLength: 40 }).map(encode), fc.integer({ min: 90, max: 3000 }).map((n) => '9'.repeat(n)));
    await run(
      fc.asyncProperty(fc.constantFrom('POST', 'DELETE'), id, async (method, id) => {
        await send({ method: method as 'POST' | 'DELETE', url: method === 'POST' ? `/jobs/${id}/cancel` : `/jobs/${id}` });
      }),
    );
  });

  test('query strings: metrics (since, limit, every, format), generator (iteration), job list (status, limit, cursor)', async () => {
    const target = fc.constantFrom(
      { path: () => `/jobs/${known.done}/metrics`, names: ['since', 'limit', 'every', 'format'] },
      { path: () => `/jobs/${known.done}/generator/model.json`, names: ['iteration'] },
      { path: () => `/jobs/${known.done}/generator/weights.bin`, names: ['iteration'] },
      { path: () => '/jobs', names: ['status', 'limit', 'cursor'] },
    );
    await run(
      fc.asyncProperty(
        target.chain((tg) => fc.tuple(fc.constant(tg.path()), queryString(tg.names))),
        fc.option(fc.constantFrom('text/csv', 'application/json', 'text/csv, application/json', '*/*', 'image/png', '')),
        async ([p, query], accept) => {
          await send({ method: 'GET', url: `${p}?${query}`, headers: accept === null ? {} : { accept } });
        },
      ),
    );
  });

  test('headers: Last-Event-ID, If-None-Match, Accept, X-Request-Id on a finished job stream and a sample', async () => {
    await run(
      fc.asyncProperty(fc.constantFrom('last-event-id', 'if-none-match', 'accept', 'x-request-id', 'range', 'accept-encoding'), headerValue, async (name, value) => {
        await send({ method: 'GET', url: `/jobs/${known.done}/events`, headers: { [name]: value } });
        await send({ method: 'GET', url: `/samples/${known.sample}.png`, headers: { [name]: value } });
      }),
    );
  });

  test('any method on any path', async () => {
    const segment = fc.oneof(
      fc.constantFrom('jobs', 'samples', 'metrics', 'events', 'cancel', 'generator', 'model.json', 'weights.bin', 'docs', 'ui', 'healthz', 'readyz', 'openapi.yaml', known.done),
      traversal,
      fc.string({ unit: 'binary', maxLength: 12 }).map(encode),
    );
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
    await run(
      fc.asyncProperty(method, fc.array(segment, { minLength: 1, maxLength: 5 }), fc.option(fc.json({ maxDepth: 2 })), async (m, segments, payload) => {
        const url = `/${segments.join('/')}`;
        // The only endless answer: the event stream of an unfinished job (there is none under these segments).
        await send({
          method: m as InjectOptions['method'],
          url,
          ...(payload !== null && m !== 'GET' && m !== 'HEAD' ? { payload, headers: { 'content-type': 'application/json' } } : {}),
        });
      }),
    );
  });
});
