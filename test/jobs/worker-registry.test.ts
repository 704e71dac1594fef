// The worker registry on real Redis: heartbeats list a worker, removal and silence take it off the list.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { WorkerRegistry, type WorkerInfo } from '../../src/jobs/worker-registry.js';

const prefix = uniquePrefix('registry');
const redis = connect();
after(async () => {
  await cleanup(redis, prefix);
  redis.disconnect();
});

const info = (id: string, job: WorkerInfo['job'] = null): WorkerInfo => ({
  id,
  hostname: 'host-a',
  pid: 42,
  backend: { name: 'wasm', provider: '@tensorflow/tfjs-backend-wasm' },
  job,
  startedAt: '2025-01-01T00:00:00.000Z',
});

/** Redis' clock, which the registry stamps heartbeats with, in ms. */
async function redisNow(): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

test('a heartbeat lists the worker with what it said and when Redis heard it; a newer one replaces it', async () => {
  const registry = new WorkerRegistry(redis, prefix);
  const before = await redisNow();
  await registry.beat(info('w-b'));
  await registry.beat(info('w-a'));
  await registry.beat(info('w-a', { id: 'job-1', iteration: 7, itPerSec: 3.5 }));
  const workers = await registry.list();
  assert.deepEqual(workers.map((w) => w.id), ['w-a', 'w-b']);
  const { lastSeenAt, ...a } = workers[0]!;
  assert.deepEqual(a, info('w-a', { id: 'job-1', iteration: 7, itPerSec: 3.5 }));
  const after = await redisNow();
  assert.ok(Date.parse(lastSeenAt) >= before && Date.parse(lastSeenAt) <= after, `${before} <= ${lastSeenAt} <= ${after}`);

  await registry.remove('w-b');
  assert.deepEqual((await registry.list()).map((w) => w.id), ['w-a']);
  await registry.remove('w-a');
});

test('a worker silent for longer than the TTL is dropped from the list and from Redis; one heard within it stays', async () => {
  const ttlMs = 30_000;
  const registry = new WorkerRegistry(redis, prefix, ttlMs);
  await registry.beat(info('w-silent'));
  await registry.beat(info('w-alive'));
  await registry.beat(info('w-edge'));
  assert.equal((await registry.list()).length, 3);
  // Instead of waiting out the TTL, date the last heartbeats back on Redis' clock: one just past it, one well inside.
  const now = await redisNow();
  await redis.zadd(registry.keys.workersSeen, now - ttlMs - 1, 'w-silent', now - ttlMs + 10_000, 'w-edge');
  assert.deepEqual((await registry.list()).map((w) => w.id), ['w-alive', 'w-edge']);
  assert.equal(await redis.hexists(registry.keys.workers, 'w-silent'), 0);
  assert.equal(await redis.zscore(registry.keys.workersSeen, 'w-silent'), null);
});
