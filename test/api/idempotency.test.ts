// Idempotency-Key on POST /jobs: repeats replay the first response, a changed body is 422, concurrent repeats make one job.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitUntil } from '../helpers/processes.js';
import { redisKeys } from '../../src/contract/keys.js';
import { loadEnv } from '../../src/config/env.js';
import { IdempotencyService } from '../../src/api/services/idempotency-service.js';
import { body, startTestApp, type TestApp } from './test-app.js';

const post = (t: TestApp, key: string | undefined, payload: object) =>
  t.app.inject({ method: 'POST', url: '/jobs', payload, headers: key === undefined ? {} : { 'idempotency-key': key } });

async function jobCount(t: TestApp): Promise<number> {
  return body(await t.app.inject({ method: 'GET', url: '/jobs?limit=100' })).jobs.length;
}

function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(body(res).status, status);
  assert.equal(body(res).code, code);
}

describe('Idempotency-Key', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_RATE_LIMIT_CREATE_MAX: '1000' });
  });
  after(() => t.close());

  test('the same key and body return the first response and create one job', async () => {
    const key = randomUUID();
    const first = await post(t, key, { iterations: 50, name: 'once' });
    assert.equal(first.statusCode, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const before = await jobCount(t);
    // Key order and whitespace do not make another request.
    const again = await t.app.inject({
      method: 'POST',
      url: '/jobs',
      payload: '{ "name": "once",   "iterations": 50 }',
      headers: { 'idempotency-key': key, 'content-type': 'application/json' },
    });
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(again.body, first.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(await jobCount(t), before);
  });

  test('the same key with another body is 422 and creates nothing', async () => {
    const key = randomUUID();
    assert.equal((await post(t, key, { iterations: 50 })).statusCode, 201);
    const before = await jobCount(t);
    assertProblem(await post(t, key, { iterations: 51 }), 422, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(await jobCount(t), before);
  });

  test('different keys make different jobs; no key makes a job each time', async () => {
    const a = body(await post(t, randomUUID(), {}));
    const b = body(await post(t, randomUUID(), {}));
    const c = body(await post(t, undefined, {}));
    const d = body(await post(t, undefined, {}));
    assert.equal(new Set([a.id, b.id, c.id, d.id]).size, 4);
  });

  test('concurrent requests with one key create one job and all get its response', async () => {
    const key = randomUUID();
    const before = await jobCount(t);
    const responses = await Promise.all(Array.from({ length: 12 }, () => post(t, key, { name: 'race' })));
    assert.deepEqual(new Set(responses.map((r) => r.statusCode)), new Set([201]));
    assert.equal(new Set(responses.map((r) => body(r).id)).size, 1);
    assert.equal(new Set(responses.map((r) => r.headers.location)).size, 1);
    assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] !== 'true').length, 1);
    assert.equal(await jobCount(t), before + 1);
  });

  test('malformed keys are 400', async () => {
    for (const key of ['', 'x'.repeat(256), 'caf\u00e9', 'tab\there']) {
      const res = await post(t, key, {});
      assertProblem(res, 400, 'VALIDATION_FAILED');
      assert.deepEqual(body(res).errors.map((e: { path: string }) => e.path), ['headers.idempotency-key']);
    }
    for (const key of ['x'.repeat(255), 'a key with spaces ~!@#$%^&*()', '7']) {
      assert.equal((await post(t, key, {})).statusCode, 201, key);
    }
  });

  test('keys live under the prefix, hashed, for GANFORGE_IDEMPOTENCY_TTL_SECONDS (a day by default)', async () => {
    const key = `../../${randomUUID()}`;
    await post(t, key, {});
    const keys = await t.app.infra.redis.keys(`${t.env.GANFORGE_PREFIX}:gf:idem:*`);
    assert.ok(keys.length > 0);
    assert.ok(keys.every((k) => /:idem:[A-Za-z0-9_-]{43}$/.test(k)), keys.join());
    const ttls = await Promise.all(keys.map((k) => t.app.infra.redis.ttl(k)));
    assert.ok(ttls.every((s) => s > 86_000 && s <= 86_400), ttls.join());
  });

  test('a request that fails releases its key: a retry with the same key can succeed', async () => {
    const key = randomUUID();
    const original = t.app.services.jobs.create;
    t.app.services.jobs.create = async () => {
      throw new Error('redis hiccup');
    };
    try {
      assert.equal((await post(t, key, {})).statusCode, 500);
    } finally {
      t.app.services.jobs.create = original;
    }
    const retry = await post(t, key, {});
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
  });

  test('a repeat while the first request is still running waits, then answers 409 with Retry-After', async () => {
    const { jobs, idempotency } = t.app.services;
    // A short wait for the repeat; the first request is held inside jobs.create until the repeat has its answer.
    t.app.services.idempotency = new IdempotencyService({ redis: t.app.infra.redis, prefix: t.env.GANFORGE_PREFIX, ttlSeconds: 60, waitMs: 150 });
    const original = jobs.create;
    let entered!: () => void;
    let release!: () => void;
    const inCreate = new Promise<void>((r) => (entered = r));
    const released = new Promise<void>((r) => (release = r));
    jobs.create = async (input, owner) => {
      entered();
      await released;
      return original.call(jobs, input, owner);
    };
    try {
      const key = randomUUID();
      const first = post(t, key, {});
      await inCreate;
      const repeat = await post(t, key, {});
      assertProblem(repeat, 409, 'IDEMPOTENCY_KEY_IN_USE');
      assert.equal(repeat.headers['retry-after'], '1');
      // Another body is refused at once, even while the first is in progress.
      assertProblem(await post(t, key, { iterations: 3 }), 422, 'IDEMPOTENCY_KEY_REUSED');
      release();
      const created = await first;
      assert.equal(created.statusCode, 201);
      const later = await post(t, key, {});
      assert.equal(later.body, created.body);
    } finally {
      release();
      jobs.create = original;
      t.app.services.idempotency = idempotency;
    }
  });
});

describe('GANFORGE_IDEMPOTENCY_TTL_SECONDS', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_IDEMPOTENCY_TTL_SECONDS: '1' });
  });
  after(() => t.close());

  test('a key is kept for GANFORGE_IDEMPOTENCY_TTL_SECONDS; once it has expired, it creates a new job', async () => {
    const key = randomUUID();
    const first = body(await post(t, key, {}));
    assert.equal(body(await post(t, key, {})).id, first.id);
    const { redis } = t.app.infra;
    const stored = await redis.keys(redisKeys(t.env.GANFORGE_PREFIX).idempotency('*'));
    assert.equal(stored.length, 1);
    const ttl = await redis.pttl(stored[0]!);
    assert.ok(ttl > 0 && ttl <= 1000, `expires within the 1 s TTL: ${ttl} ms`);
    // Wait for the expiry itself rather than a guessed margin past it.
    await waitUntil(async () => (await redis.exists(stored[0]!)) === 0, 10_000, 'the key to expire');
    const second = await post(t, key, {});
    assert.equal(second.statusCode, 201);
    assert.notEqual(body(second).id, first.id);
  });

  test('a malformed value names the variable', () => {
    assert.throws(() => loadEnv({ GANFORGE_IDEMPOTENCY_TTL_SECONDS: '0' }), /GANFORGE_IDEMPOTENCY_TTL_SECONDS/);
  });
});
