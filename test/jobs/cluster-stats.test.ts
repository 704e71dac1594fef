// Cluster stats: the step-time recorder's buckets, and counters that add up in Redis across writers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { ClusterStats, STEP_TIME_BUCKETS, StepTimeRecorder } from '../../src/jobs/cluster-stats.js';

const prefix = uniquePrefix('stats');
const redis = connect();
after(async () => {
  await cleanup(redis, prefix);
  redis.disconnect();
});

const bucketOf = (bound: number | '+Inf') => (bound === '+Inf' ? STEP_TIME_BUCKETS.length : STEP_TIME_BUCKETS.indexOf(bound as never));

test('StepTimeRecorder counts each step in the first bucket whose bound it does not exceed; take() empties it', () => {
  const rec = new StepTimeRecorder();
  assert.equal(rec.take(), null);
  for (const s of [0.0004, 0.001, 0.003, 0.003, 0.7, 60]) rec.observe(s);
  const taken = rec.take()!;
  const expected = new Array<number>(STEP_TIME_BUCKETS.length + 1).fill(0);
  expected[bucketOf(0.001)] = 2;
  expected[bucketOf(0.005)] = 2;
  expected[bucketOf(1)] = 1;
  expected[bucketOf('+Inf')] = 1;
  assert.deepEqual(taken.counts, expected);
  assert.equal(taken.count, 6);
  assert.ok(Math.abs(taken.sum - 60.7074) < 1e-9);
  assert.equal(rec.take(), null);
});

test('ClusterStats adds job counters and step times from several writers', async () => {
  const a = new ClusterStats(redis, prefix);
  const b = new ClusterStats(redis.duplicate(), prefix);
  const empty = await a.read();
  assert.deepEqual(empty.jobs, { started: 0, completed: 0, failed: 0, cancelled: 0 });
  assert.equal(empty.stepTimes.count, 0);

  await Promise.all([a.countJob('started'), b.countJob('started'), b.countJob('failed')]);
  const ra = new StepTimeRecorder();
  ra.observe(0.02);
  const rb = new StepTimeRecorder();
  rb.observe(0.02);
  rb.observe(3);
  await a.addStepTimes(ra.take()!);
  await b.addStepTimes(rb.take()!);

  const { jobs, stepTimes } = await a.read();
  assert.deepEqual(jobs, { started: 2, completed: 0, failed: 1, cancelled: 0 });
  assert.equal(stepTimes.count, 3);
  assert.equal(stepTimes.counts[bucketOf(0.025)], 2);
  assert.equal(stepTimes.counts[bucketOf(5)], 1);
  assert.ok(Math.abs(stepTimes.sum - 3.04) < 1e-9);
  b.redis.disconnect();
});
