// The JS UnsortedSegmentSum of the wasm backend (which has none) against tfjs' CPU kernel, and an Embedding trained through it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { initBackend } from '../../../src/gan/backend.js';
import { installKernels } from '../../../src/gan/kernels/index.js';

before(async () => {
  await initBackend('wasm');
  installKernels('wasm', { providers: ['js'] });
});

function segmentSum(x: Float32Array, shape: number[], ids: Int32Array, numSegments: number): { shape: number[]; values: Float32Array } {
  const t = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor(x, shape), tf.tensor1d(ids, 'int32'), numSegments));
  const r = { shape: t.shape, values: t.dataSync() as Float32Array };
  t.dispose();
  return r;
}

test('UnsortedSegmentSum on wasm equals the CPU kernel to float32 rounding (random shapes, ids, repeats, out-of-range ids)', async () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 0, max: 1e6 }),
      (rows, width, depth, numSegments, seed) => {
        const shape = [rows, width, depth];
        const x = Float32Array.from({ length: rows * width * depth }, (_, i) => Math.fround(Math.sin(seed + i * 1.7) * 3));
        const ids = Int32Array.from({ length: rows }, (_, i) => ((seed + i * 7) % (numSegments + 2)) - 1);
        const wasm = segmentSum(x, shape, ids, numSegments);
        tf.setBackend('cpu');
        const cpu = segmentSum(x, shape, ids, numSegments);
        tf.setBackend('wasm');
        assert.deepEqual(wasm.shape, cpu.shape);
        // The CPU kernel sums masked rows with its own Sum, so the order of additions (and the last bit) may differ.
        wasm.values.forEach((v, i) => assert.ok(Math.abs(v - cpu.values[i]!) <= 1e-6 * (1 + Math.abs(cpu.values[i]!)), `at ${i}: ${v} vs ${cpu.values[i]}`));
      },
    ),
    { numRuns: 60 },
  );
});

test("an Embedding's gradient trains on wasm (Gather's gradient is UnsortedSegmentSum)", () => {
  const layer = tf.layers.embedding({ inputDim: 10, outputDim: 4, embeddingsInitializer: 'ones' });
  const labels = tf.tensor2d([3, 3, 7], [3, 1], 'int32');
  const [grad] = tf.tidy(() => {
    const w = tf.variable(tf.ones([10, 4]));
    layer.build([3, 1]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.gather(w, tf.reshape(labels, [-1]))), [w]);
    return [grads[w.name]!];
  });
  const g = grad!.arraySync() as number[][];
  assert.deepEqual(g[3], [2, 2, 2, 2]);
  assert.deepEqual(g[7], [1, 1, 1, 1]);
  assert.deepEqual(g[0], [0, 0, 0, 0]);
  tf.dispose([grad!, labels]);
});
