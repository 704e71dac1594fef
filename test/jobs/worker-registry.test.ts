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

test('a heartbeat lists the worker with what it said and when Redis heard it; a newer one replaces it', async () => {
  const registry = new WorkerRegistry(redis, prefix);
  const before = Date.now();
  await registry.beat(info('w-b'));
  await registry.beat(info('w-a'));
  await registry.beat(info('w-a', { id: 'job-1', iteration: 7, itPerSec: 3.5 }));
  const workers = await registry.list();
  assert.deepEqual(workers.map((w) => w.id), ['w-a', 'w-b']);
  const { lastSeenAt, ...a } = workers[0]!;
  assert.deepEqual(a, info('w-a', { id: 'job-1', iteration: 7, itPerSec: 3.5 }));
  // Redis' clock, on the same host as this test: within a few seconds of ours.
  assert.ok(Math.abs(Date.parse(lastSeenAt) - before) < 5_000, lastSeenAt);

  await registry.remove('w-b');
  assert.deepEqual((await registry.list()).map((w) => w.id), ['w-a']);
  await registry.remove('w-a');
});

test('a worker silent for longer than the TTL is dropped from the list and from Redis', async () => {
  const registry = new WorkerRegistry(redis, prefix, 300);
  await registry.beat(info('w-silent'));
  await registry.beat(info('w-alive'));
  assert.equal((await registry.list()).length, 2);
  await new Promise((r) => setTimeout(r, 200));
  await registry.beat(info('w-alive'));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual((await registry.list()).map((w) => w.id), ['w-alive']);
  assert.equal(await redis.hexists(registry.keys.workers, 'w-silent'), 0);
  assert.equal(await redis.zscore(registry.keys.workersSeen, 'w-silent'), null);
});
