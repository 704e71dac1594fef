// The compare view's loss buckets: a width shared by all jobs, each bucket's mean with its raw min and max, gaps kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';

type Point = { iteration: number } & Record<string, number | null>;
// Browser code, plain JavaScript: loaded through a variable so the type checker does not look for its declarations.
const modulePath = '../../src/dashboard/public/js/compare-series.js';
const { BUCKETS, bucketWidth, bucketed } = (await import(modulePath)) as {
  BUCKETS: number;
  bucketWidth(maxIteration: number): number;
  bucketed(points: Point[], name: string, width: number): { x: number[]; mean: (number | null)[]; min: (number | null)[]; max: (number | null)[] };
};

test('the width keeps the longest job near BUCKETS buckets, and is at least one iteration', () => {
  assert.equal(bucketWidth(30_000), 30_000 / BUCKETS);
  assert.equal(bucketWidth(30_001), 30_000 / BUCKETS + 1);
  assert.equal(bucketWidth(50), 1);
  assert.equal(bucketWidth(0), 1);
});

test('buckets end at multiples of the width: mean, min and max of each; the last one partial', () => {
  const points = [1, 2, 3, 4, 5, 6, 7].map((i) => ({ iteration: i, dLoss: i % 2 ? 1 : 3 }));
  assert.deepEqual(bucketed(points, 'dLoss', 3), {
    x: [3, 6, 7],
    mean: [5 / 3, 7 / 3, 1],
    min: [1, 1, 1],
    max: [3, 3, 1],
  });
});

test('a bucket of only diverged values (null) or of a metric the model lacks is a gap, not a zero', () => {
  const points: Point[] = [
    { iteration: 1, dLoss: null },
    { iteration: 2, dLoss: null },
    { iteration: 3, dLoss: 2 },
    { iteration: 4, dLoss: Number.NaN },
  ];
  assert.deepEqual(bucketed(points, 'dLoss', 2), { x: [2, 4], mean: [null, 2], min: [null, 2], max: [null, 2] });
  assert.deepEqual(bucketed(points, 'gp', 2).mean, [null, null]);
  assert.deepEqual(bucketed([], 'dLoss', 2), { x: [], mean: [], min: [], max: [] });
});
