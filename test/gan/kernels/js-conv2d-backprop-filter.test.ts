// The JS Conv2DBackpropFilter of the wasm backend (which has none) against tfjs' CPU kernel: random NHWC shapes, strides, paddings.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { initBackend } from '../../../src/gan/backend.js';
import { installKernels } from '../../../src/gan/kernels/index.js';
import { assertClose } from './assert-close.js';

/** Relative tolerance: both sum in doubles, in different orders, then round to float32. */
const TOLERANCE = 1e-5;

before(async () => {
  await initBackend('wasm');
  installKernels('wasm', { providers: ['js'] });
});

interface Case {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  filter: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
  seed: number;
}

const cases = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    inChannels: fc.integer({ min: 1, max: 5 }),
    outChannels: fc.integer({ min: 1, max: 6 }),
    filter: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
    strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.constantFrom('same' as const, 'valid' as const),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .filter((c) => c.pad === 'same' || (c.filter[0] <= c.height && c.filter[1] <= c.width));

/** The filter gradient, and the input gradient of the same convolution, on the current backend. */
function gradients(c: Case, x: Float32Array, filter: Float32Array): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const xs = tf.tensor4d(x, [c.batch, c.height, c.width, c.inChannels]);
    const w = tf.tensor4d(filter, [...c.filter, c.inChannels, c.outChannels]);
    // A weighted sum, so that dy is not all ones.
    const f = (a: tf.Tensor, b: tf.Tensor) => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
      return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
    };
    const [dx, dw] = tf.grads(f)([xs, w]);
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array };
  });
}

function random(n: number, seed: number): Float32Array {
  return tf.tidy(() => tf.randomUniform([n], -1, 1, 'float32', seed).dataSync() as Float32Array);
}

test('conv2d gradients on wasm match the CPU backend for random shapes, strides and paddings', async () => {
  await fc.assert(
    fc.asyncProperty(cases, async (c) => {
      const x = random(c.batch * c.height * c.width * c.inChannels, c.seed);
      const w = random(c.filter[0] * c.filter[1] * c.inChannels * c.outChannels, c.seed + 1);
      await tf.setBackend('cpu');
      const expected = gradients(c, x, w);
      await tf.setBackend('wasm');
      const actual = gradients(c, x, w);
      const what = JSON.stringify(c);
      assertClose(actual.dw, expected.dw, TOLERANCE, `dW ${what}`);
      assertClose(actual.dx, expected.dx, TOLERANCE, `dx ${what}`);
    }),
    { numRuns: 60, seed: 42 },
  );
});

test('a DCGAN-sized filter gradient (stride 2, same) matches, and nothing leaks', async () => {
  const c: Case = { batch: 8, height: 14, width: 14, inChannels: 16, outChannels: 32, filter: [3, 3], strides: [2, 2], pad: 'same', seed: 7 };
  const x = random(8 * 14 * 14 * 16, 7);
  const w = random(3 * 3 * 16 * 32, 8);
  await tf.setBackend('cpu');
  const expected = gradients(c, x, w);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const actual = gradients(c, x, w);
  assert.equal(tf.memory().numTensors, before);
  assertClose(actual.dw, expected.dw, TOLERANCE, 'dW');
});
