// Limits: per-client rate limits shared through Redis, a stricter one for POST /jobs, and an atomic cap on active jobs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../helpers/processes.js';
import { buildApp } from '../../src/api/app.js';
import { ConfigError, loadEnv } from '../../src/config/env.js';
import { LIMITS } from '../../src/gan/train-config.js';
import { body, startTestApp, type TestApp } from './test-app.js';

type Res = { statusCode: number; headers: Record<string, unknown>; body: string };

function assertRateLimited(res: Res, windowSeconds: number) {
  assert.equal(res.statusCode, 429, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(body(res).status, 429);
  assert.equal(body(res).code, 'RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= windowSeconds, String(res.headers['retry-after']));
}

describe('rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_RATE_LIMIT_MAX: '5', GANFORGE_RATE_LIMIT_CREATE_MAX: '2', GANFORGE_RATE_LIMIT_WINDOW_MS: '60000' });
  });
  after(() => t.close());

  const get = (url: string, remoteAddress = '10.0.0.1') => t.app.inject({ method: 'GET', url, remoteAddress });

  test('a client gets GANFORGE_RATE_LIMIT_MAX requests per window, then 429 problem+json with Retry-After', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await get('/jobs');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-ratelimit-limit'], '5');
      assert.equal(res.headers['x-ratelimit-remaining'], String(4 - i));
    }
    assertRateLimited(await get('/jobs'), 60);
    // Every limited route shares the budget, unknown job ids included.
    assertRateLimited(await get('/jobs/00000000-0000-4000-8000-000000000000'), 60);
  });

  test('/healthz and /readyz are not limited', async () => {
    for (let i = 0; i < 10; i++) {
      for (const url of ['/healthz', '/readyz']) {
        const res = await get(url);
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['x-ratelimit-limit'], undefined);
      }
    }
  });

  test('other clients have their own counters', async () => {
    assert.equal((await get('/jobs', '10.0.0.2')).statusCode, 200);
    assert.equal((await get('/jobs', '2001:db8::2')).statusCode, 200);
  });

  test('POST /jobs has its own, stricter budget (GANFORGE_RATE_LIMIT_CREATE_MAX)', async () => {
    const create = () => t.app.inject({ method: 'POST', url: '/jobs', payload: {}, remoteAddress: '10.0.0.3' });
    for (let i = 0; i < 2; i++) {
      const res = await create();
      assert.equal(res.statusCode, 201);
      assert.equal(res.headers['x-ratelimit-limit'], '2');
    }
    assertRateLimited(await create(), 60);
    assert.equal((await get('/jobs', '10.0.0.3')).statusCode, 200);
  });

  test('counters live in Redis under the prefix, so another API instance shares them', async () => {
    const keys = await t.app.infra.redis.keys(`${t.env.GANFORGE_PREFIX}:gf:rl:*`);
    assert.ok(keys.some((k) => k.endsWith(':all:10.0.0.1')), keys.join());
    const other = buildApp({ env: t.env, logger: false });
    try {
      await other.ready();
      assertRateLimited(await other.inject({ method: 'GET', url: '/jobs', remoteAddress: '10.0.0.1' }), 60);
      assert.equal((await other.inject({ method: 'GET', url: '/jobs', remoteAddress: '10.0.0.4' })).statusCode, 200);
    } finally {
      await other.close();
    }
  });
});

describe('GANFORGE_TRUST_PROXY', () => {
  const limited = { GANFORGE_RATE_LIMIT_MAX: '2', GANFORGE_RATE_LIMIT_WINDOW_MS: '60000' };
  /** inject's peer is 127.0.0.1 unless remoteAddress says otherwise: here, the load balancer. */
  const via = (t: TestApp, forwardedFor: string, remoteAddress = '127.0.0.1') =>
    t.app.inject({ method: 'GET', url: '/jobs', remoteAddress, headers: { 'x-forwarded-for': forwardedFor } });

  describe('a list of proxies', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ ...limited, GANFORGE_TRUST_PROXY: '127.0.0.1, 10.1.0.0/16' });
    });
    after(() => t.close());

    test('clients behind a listed proxy have a budget each, keyed by their own address', async () => {
      for (let i = 0; i < 2; i++) assert.equal((await via(t, '203.0.113.1')).statusCode, 200);
      assertRateLimited(await via(t, '203.0.113.1'), 60);
      // Another client through the same balancer, and the first one through another listed balancer.
      assert.equal((await via(t, '203.0.113.2')).statusCode, 200);
      assertRateLimited(await via(t, '203.0.113.1', '10.1.2.3'), 60);
      const keys = await t.app.infra.redis.keys(`${t.env.GANFORGE_PREFIX}:gf:rl:*`);
      assert.deepEqual(keys.map((k) => k.slice(k.lastIndexOf(':all:') + 5)).sort(), ['203.0.113.1', '203.0.113.2']);
    });

    test('a client cannot pick its address by sending an X-Forwarded-For of its own', async () => {
      // What the balancer forwards when the client wrote "198.51.100.9" itself: the balancer appends the real one.
      assertRateLimited(await via(t, '198.51.100.9, 203.0.113.1'), 60);
      // A peer that is not a listed proxy is the client, whatever it forwards.
      assert.equal((await via(t, '198.51.100.10', '192.0.2.1')).statusCode, 200);
      assert.equal((await via(t, '198.51.100.11', '192.0.2.1')).statusCode, 200);
      assertRateLimited(await via(t, '198.51.100.12', '192.0.2.1'), 60);
    });
  });

  describe('the default (false)', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(limited);
    });
    after(() => t.close());

    test('X-Forwarded-For is ignored: a new one on every request does not buy a new budget', async () => {
      assert.equal(t.env.GANFORGE_TRUST_PROXY, false);
      for (let i = 0; i < 2; i++) assert.equal((await via(t, `198.51.100.${i}`)).statusCode, 200);
      assertRateLimited(await via(t, '198.51.100.99'), 60);
    });
  });

  test('values: true, false, addresses, CIDRs and proxy-addr\'s names; anything else (a hop count too) is a ConfigError naming the variable', () => {
    const parse = (v: string) => loadEnv({ GANFORGE_TRUST_PROXY: v }).GANFORGE_TRUST_PROXY;
    assert.equal(parse('true'), true);
    assert.equal(parse('false'), false);
    assert.deepEqual(parse(' 10.0.0.0/8,::1 , fd00::/8,uniquelocal'), ['10.0.0.0/8', '::1', 'fd00::/8', 'uniquelocal']);
    for (const bad of ['yes', '10.0.0.1,', '10.0.0.0/33', '300.1.1.1', '2']) {
      assert.throws(
        () => parse(bad),
        (err: Error) => err instanceof ConfigError && /^invalid configuration: GANFORGE_TRUST_PROXY: /.test(err.message),
        bad,
      );
    }
    assert.throws(() => parse('2'), /hop count is not supported/);
  });
});

describe('rate limit window', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_RATE_LIMIT_MAX: '2', GANFORGE_RATE_LIMIT_WINDOW_MS: '1000' });
  });
  after(() => t.close());

  test('a limited client is served again after GANFORGE_RATE_LIMIT_WINDOW_MS', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await t.app.inject({ method: 'GET', url: '/jobs' })).statusCode, 200);
    assertRateLimited(await t.app.inject({ method: 'GET', url: '/jobs' }), 1);
    // Served again once the window has passed: wait for that rather than sleep a guessed margin past it.
    await waitUntil(async () => (await t.app.inject({ method: 'GET', url: '/jobs' })).statusCode === 200, 10_000, 'a new window');
  });
});

describe('GANFORGE_MAX_ACTIVE_JOBS', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_MAX_ACTIVE_JOBS: '3', GANFORGE_RATE_LIMIT_CREATE_MAX: '1000' });
  });
  after(() => t.close());

  test('concurrent creates never overshoot the cap; a finished job frees its place', async () => {
    const responses = await Promise.all(Array.from({ length: 10 }, () => t.app.inject({ method: 'POST', url: '/jobs', payload: {} })));
    const created = responses.filter((r) => r.statusCode === 201);
    const refused = responses.filter((r) => r.statusCode !== 201);
    assert.equal(created.length, 3);
    for (const r of refused) {
      assert.equal(r.statusCode, 429);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      assert.equal(body(r).code, 'TOO_MANY_ACTIVE_JOBS');
    }
    assert.equal(await t.app.infra.jobs.activeCount(), 3);
    // Refused jobs leave no record behind.
    assert.equal(body(await t.app.inject({ method: 'GET', url: '/jobs' })).jobs.length, 3);

    const id = body(created[0]!).id;
    assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` })).statusCode, 202);
    assert.equal(await t.app.infra.jobs.activeCount(), 2);
    assert.equal((await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).statusCode, 201);
    assert.equal((await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).statusCode, 429);
  });

  test('the active set follows status changes and deletes, and a late update never re-adds a deleted job', async () => {
    const { jobs } = t.app.infra;
    const spec = { ...body(await t.app.inject({ method: 'GET', url: '/jobs?limit=1' })).jobs[0].spec };
    const active = () => t.app.infra.redis.smembers(jobs.keys.activeJobs);
    const record = await jobs.create(spec);
    assert.ok((await active()).includes(record.id));
    await jobs.updateIfExists(record.id, { status: 'running' });
    assert.ok((await active()).includes(record.id));
    await jobs.updateIfExists(record.id, { iteration: 5 });
    assert.ok((await active()).includes(record.id));
    await jobs.updateIfExists(record.id, { status: 'failed' });
    assert.ok(!(await active()).includes(record.id));
    await jobs.updateIfExists(record.id, { status: 'queued' });
    assert.ok((await active()).includes(record.id));
    await jobs.delete(record.id);
    assert.ok(!(await active()).includes(record.id));
    assert.equal(await jobs.updateIfExists(record.id, { status: 'running' }), false);
    assert.ok(!(await active()).includes(record.id));
  });
});

describe('request size limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_BODY_LIMIT: '2048' });
  });
  after(() => t.close());

  test('a body over GANFORGE_BODY_LIMIT is 413; iterations and batch size are capped', async () => {
    const big = await t.app.inject({ method: 'POST', url: '/jobs', payload: { name: 'x'.repeat(3000) } });
    assert.equal(big.statusCode, 413);
    assert.equal(body(big).code, 'PAYLOAD_TOO_LARGE');
    const res = await t.app.inject({
      method: 'POST',
      url: '/jobs',
      payload: { iterations: LIMITS.iterations.max + 1, batchSize: LIMITS.batchSize.max + 1 },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(body(res).errors.map((e: { path: string }) => e.path).sort(), ['body.batchSize', 'body.iterations']);
  });
});
