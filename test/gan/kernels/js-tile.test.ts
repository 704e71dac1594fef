// The JS provider's copy-based wasm Tile kernel gives exactly what tfjs-backend-wasm's own kernel gives, for any shape and reps.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/gan/backend.js';
import { installKernels, uninstallKernels } from '../../../src/gan/kernels/index.js';

const JS_ONLY = { providers: ['js'] };

before(async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm');
});

const CASES: [number[], number[]][] = [
  [[1, 1, 1, 1024], [128, 1, 1, 1]], // BatchNorm's backprop
  [[3], [4]],
  [[2, 3], [1, 1]],
  [[2, 3], [3, 2]],
  [[2, 1, 3], [2, 5, 1]],
  [[1, 2, 3, 4], [2, 1, 3, 2]],
  [[4, 1], [1, 6]],
  [[0, 3], [2, 2]],
];

function tiled(shape: number[], reps: number[], dtype: 'float32' | 'int32' | 'bool'): { values: number[]; shape: number[] } {
  return tf.tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? Number(i % 3 === 0) : i * 1.5 - 7));
    const x = tf.tensor(values, shape, dtype);
    const t = tf.tile(x, reps);
    return { values: Array.from(t.dataSync()), shape: t.shape };
  });
}

test('matches the original kernel exactly for float32, int32 and bool', () => {
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    for (const [shape, reps] of CASES) {
      uninstallKernels();
      const expected = tiled(shape, reps, dtype);
      installKernels('wasm', JS_ONLY);
      const got = tiled(shape, reps, dtype);
      assert.deepEqual(got, expected, `${dtype} ${JSON.stringify(shape)} x ${JSON.stringify(reps)}`);
    }
  }
});

test('leaks nothing and works inside gradients (BatchNorm backprop)', () => {
  installKernels('wasm', JS_ONLY);
  const before = tf.memory().numTensors;
  const grads = tf.tidy(() => {
    const x = tf.randomNormal([16, 8], 0, 1, 'float32', 1);
    const scale = tf.randomNormal([8], 1, 0.1, 'float32', 2);
    const g = tf.grad((s: tf.Tensor) => tf.batchNorm(x, tf.zeros([8]), tf.ones([8]), tf.zeros([8]), s, 1e-3).square().sum());
    return g(scale).dataSync();
  });
  assert.equal(grads.length, 8);
  assert.ok(Array.from(grads).every(Number.isFinite));
  assert.equal(tf.memory().numTensors, before);
});
