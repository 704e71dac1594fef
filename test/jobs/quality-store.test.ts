// QualityStore against a real Redis: points by iteration (rescoring replaces), scorer states, waiters, cleanup.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { QualityStore } from '../../src/jobs/quality-store.js';
import type { QualityPoint, ScorerStatus } from '../../src/contract/quality.js';

const redis = connect();
const prefix = uniquePrefix('quality');
const store = new QualityStore(redis, prefix);
after(async () => {
  await cleanup(redis, prefix);
  redis.disconnect();
});

const point = (iteration: number, fd: number): QualityPoint => ({
  iteration,
  fd,
  is: 5.5,
  labelAccuracy: null,
  n: 2000,
  scorer: 'classifier',
  seconds: 1.2,
  createdAt: new Date().toISOString(),
});

const status = (hash: string, state: ScorerStatus['state']): ScorerStatus => ({
  datasetHash: hash,
  kind: 'classifier',
  state,
  progress: null,
  heldOutAccuracy: null,
  reference: null,
  reason: null,
  updatedAt: new Date().toISOString(),
});

test('points come back by iteration, and rescoring an iteration replaces its point', async () => {
  await store.writePoint('j1', point(200, 30));
  await store.writePoint('j1', point(100, 50));
  await store.writePoint('j1', point(200, 25));
  const points = await store.points('j1');
  assert.deepEqual(points.map((p) => [p.iteration, p.fd]), [[100, 50], [200, 25]]);
  assert.equal((await store.latest('j1'))?.fd, 25);
  assert.equal(await store.latest('nobody'), null);
});

test('a point outside the contract is refused', async () => {
  await assert.rejects(store.writePoint('j1', { ...point(1, 1), fd: -1 }));
});

test('a scorer is claimed once, its state read back through the job that uses it', async () => {
  assert.equal(await store.claimScorer(status('h1', 'pending')), true);
  assert.equal(await store.claimScorer(status('h1', 'pending')), false);
  await store.setScorer({ ...status('h1', 'ready'), heldOutAccuracy: 0.985 });
  await store.setJobScorer('j1', 'h1');
  const q = await store.jobQuality('j1');
  assert.equal(q.scorer?.state, 'ready');
  assert.equal(q.scorer?.heldOutAccuracy, 0.985);
  assert.equal(q.points.length, 2);
  assert.deepEqual(await store.jobQuality('j2'), { jobId: 'j2', scorer: null, points: [] });
});

test('waiters are taken once', async () => {
  await store.addWaiter('h2', 'a');
  await store.addWaiter('h2', 'b');
  assert.deepEqual((await store.takeWaiters('h2')).sort(), ['a', 'b']);
  assert.deepEqual(await store.takeWaiters('h2'), []);
});

test('deleteJob removes the job keys and keeps the shared scorer', async () => {
  await store.deleteJob('j1');
  assert.deepEqual(await store.points('j1'), []);
  assert.equal(await store.jobScorer('j1'), null);
  assert.equal((await store.scorer('h1'))?.state, 'ready');
});
