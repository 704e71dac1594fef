// The dashboard chart's series: windows as the API averages them, live points filling the current one, replays ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';

type Point = { iteration: number } & Record<string, number | null>;
interface Series {
  every: number;
  length: number;
  lastIteration: number;
  addWindows(points: Point[]): void;
  addRaw(points: Point[]): void;
  data(): (number | null)[][];
}
// Browser code, plain JavaScript: loaded through a variable so the type checker does not look for its declarations.
const modulePath = '../../src/dashboard/public/js/loss-series.js';
const { LossSeries, windowFor } = (await import(modulePath)) as {
  LossSeries: new (every: number, names: string[]) => Series;
  windowFor: (iterations: number) => number;
};

/** The series in the chart's order (the order the test's data() columns follow). */
const NAMES = ['dLoss', 'gLoss', 'dAcc'];
const point = (iteration: number, d = iteration, a = iteration / 10, g = -iteration): Point => ({ iteration, dLoss: d, dAcc: a, gLoss: g });

test('jobs of up to 2,000 iterations get a point per iteration; longer ones windows of a size that keeps 2,000', () => {
  assert.equal(windowFor(300), 1);
  assert.equal(windowFor(2000), 1);
  assert.equal(windowFor(2001), 2);
  assert.equal(windowFor(30_000), 15);
  assert.equal(windowFor(1_000_000), 500);
});

test('one point per iteration, each iteration once however often it is replayed', () => {
  const s = new LossSeries(1, NAMES);
  s.addRaw([point(1), point(2)]);
  s.addRaw([point(1), point(2), point(3)]);
  assert.deepEqual(s.data(), [[1, 2, 3], [1, 2, 3], [-1, -2, -3], [0.1, 0.2, 0.3]]);
  assert.equal(s.length, 3);
});

test('whole windows from the API, then live points: the open window is drawn as a partial mean until it closes', () => {
  const s = new LossSeries(3, NAMES);
  s.addWindows([point(3, 2), point(6, 5)]);
  s.addRaw([point(5), point(6), point(7, 10), point(8, 20)]);
  assert.deepEqual(s.data()[0], [3, 6, 8]);
  assert.deepEqual(s.data()[1], [2, 5, 15]);
  assert.equal(s.length, 3);

  s.addRaw([point(9, 30)]);
  assert.deepEqual(s.data()[0], [3, 6, 9]);
  assert.deepEqual(s.data()[1], [2, 5, 20]);
  // A window the stream skips into closes the open one where it stopped.
  s.addRaw([point(11, 1)]);
  assert.deepEqual(s.data()[0], [3, 6, 9, 11]);
  s.addRaw([point(13, 3)]);
  assert.deepEqual(s.data()[0], [3, 6, 9, 11, 13]);
  assert.deepEqual(s.data()[1], [2, 5, 20, 1, 3]);
});

test('a loss the API sent as null leaves a gap for its window', () => {
  const s = new LossSeries(2, NAMES);
  s.addRaw([point(1), { iteration: 2, dLoss: null, dAcc: 0.5, gLoss: 1 }, point(3), point(4)]);
  assert.deepEqual(s.data()[1], [null, 3.5]);
  assert.deepEqual(s.data()[3], [0.3, 0.35]);
});

test("a model's own metric names are its columns (wgan-gp: dLoss, gLoss, gp); a name a point lacks is a gap", () => {
  const s = new LossSeries(2, ['dLoss', 'gLoss', 'gp']);
  s.addRaw([
    { iteration: 1, dLoss: -1, gLoss: 2, gp: 0.5 },
    { iteration: 2, dLoss: -3, gLoss: 4, gp: 1.5 },
    { iteration: 3, dLoss: 1, gLoss: 1 },
  ]);
  assert.deepEqual(s.data(), [[2, 3], [-2, 1], [3, 1], [1, null]]);
});
