// The score's math against closed forms: FD of identical and of shifted/scaled gaussian sets, IS bounds, label accuracy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureStats, frechetDistance } from '../../../src/gan/quality/frechet.js';
import { inceptionScore, labelAccuracy } from '../../../src/gan/quality/inception-score.js';
import { normals, rngFor } from '../../../src/gan/rng.js';

/** n gaussian vectors of dimension d, coordinate j scaled by scale[j] and shifted by shift[j]. */
function gaussians(seed: number, n: number, scale: number[], shift: number[] = []): Float64Array {
  const d = scale.length;
  const z = normals(rngFor(seed, 0, 1), n * d);
  return Float64Array.from(z, (v, i) => v * scale[i % d]! + (shift[i % d] ?? 0));
}

test('FD of a set with itself is 0 (to rounding), with a non-diagonal covariance', () => {
  const d = 16;
  const x = gaussians(1, 500, Array.from({ length: d }, (_, j) => 1 + j / 4));
  // Mix the coordinates so the covariance is far from diagonal.
  const mixed = new Float64Array(x.length);
  for (let i = 0; i < 500; i++) for (let j = 0; j < d; j++) mixed[i * d + j] = x[i * d + j]! + 0.5 * x[i * d + ((j + 1) % d)]!;
  const s = featureStats(mixed, d);
  assert.ok(frechetDistance(s, s) < 1e-8, `FD(x, x) = ${frechetDistance(s, s)}`);
});

test('FD of gaussians with diagonal covariances matches ||mu1 - mu2||^2 + sum (sqrt(a) - sqrt(b))^2', () => {
  const a = [1, 2, 3, 0.5, 4, 1];
  const b = [2, 1, 1, 3, 0.5, 1];
  const shift = [1, 0, -2, 0, 0, 0.5];
  const x = gaussians(2, 40_000, a);
  const y = gaussians(3, 40_000, b, shift);
  const expected = shift.reduce((s, m) => s + m * m, 0) + a.reduce((s, ai, j) => s + (ai - b[j]!) ** 2, 0);
  const fd = frechetDistance(featureStats(x, 6), featureStats(y, 6));
  assert.ok(Math.abs(fd - expected) / expected < 0.02, `FD ${fd}, closed form ${expected}`);
  // The stats themselves: a's variances.
  const sx = featureStats(x, 6);
  a.forEach((ai, j) => assert.ok(Math.abs(sx.cov[j * 6 + j]! - ai * ai) / (ai * ai) < 0.03, `var ${j}`));
});

test('FD is symmetric and deterministic', () => {
  const x = featureStats(gaussians(4, 300, [1, 2, 3, 4]), 4);
  const y = featureStats(gaussians(5, 300, [2, 2, 1, 1], [1, 1, 0, 0]), 4);
  assert.equal(frechetDistance(x, y), frechetDistance(x, y));
  assert.ok(Math.abs(frechetDistance(x, y) - frechetDistance(y, x)) < 1e-9);
});

test('IS: identical predictions give 1, confident predictions spread evenly over K classes give K', () => {
  const k = 10;
  const uniform = new Float32Array(100 * k).fill(1 / k);
  assert.ok(Math.abs(inceptionScore(uniform, k) - 1) < 1e-6);
  const sameClass = new Float32Array(100 * k);
  for (let i = 0; i < 100; i++) sameClass[i * k + 3] = 1;
  assert.ok(Math.abs(inceptionScore(sameClass, k) - 1) < 1e-6, 'one class for all: collapsed, 1');
  const oneHot = new Float32Array(100 * k);
  for (let i = 0; i < 100; i++) oneHot[i * k + (i % k)] = 1;
  assert.ok(Math.abs(inceptionScore(oneHot, k) - k) < 1e-4);
  const halves = new Float32Array(100 * k);
  for (let i = 0; i < 100; i++) halves[i * k + (i % 5)] = 1;
  assert.ok(Math.abs(inceptionScore(halves, k) - 5) < 1e-4, 'five classes used: 5');
});

test('label accuracy counts rows whose largest probability is their label', () => {
  const probs = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7]);
  assert.equal(labelAccuracy(probs, 2, [0, 1, 1, 1]), 0.75);
});
