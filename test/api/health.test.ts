// /healthz always answers; /readyz answers 200 while Redis PINGs and a fast 503 problem when it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { body, buildTestApp } from './test-app.js';

test('healthz and readyz are 200 with Redis up', async (ctx) => {
  const t = await buildTestApp(ctx);
  for (const url of ['/healthz', '/readyz']) {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body(res), { status: 'ok' });
  }
});

// That readyz gives up after its timeout rather than waiting for Redis is health-service.unit.test.ts's.
test('readyz is a 503 problem when Redis does not answer; healthz stays 200; other routes 503', async (ctx) => {
  const t = await buildTestApp(ctx, { REDIS_URL: 'redis://127.0.0.1:1' });
  const res = await t.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(body(res).code, 'UNAVAILABLE');
  assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  // Other routes say so too, as a 503 problem rather than an opaque 500.
  const jobs = await t.app.inject({ method: 'GET', url: '/jobs' });
  assert.equal(jobs.statusCode, 503);
  assert.equal(body(jobs).code, 'UNAVAILABLE');
});
