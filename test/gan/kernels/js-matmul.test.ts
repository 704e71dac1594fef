// The JS provider's wasm matmul kernels compute what tfjs' own kernels compute, without leaking memory.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/gan/backend.js';
import { installKernels, uninstallKernels, withoutInputGradient } from '../../../src/gan/kernels/index.js';
import { assertClose } from './assert-close.js';

/** Relative to max(1, max |expected|): XNNPACK and tfjs' loop add in different orders. */
const TOLERANCE = 1e-4;

const JS_ONLY = { providers: ['js'] };

const COMBOS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

// [batch dims, rows of a·b, shared dim, cols]; the last ones are the Dense products of the GAN's backward pass.
const SHAPES: [number[], number, number, number][] = [
  [[], 1, 1, 1],
  [[], 3, 5, 7],
  [[], 17, 1, 9],
  [[3], 4, 6, 5],
  [[2, 2], 5, 3, 4],
  [[], 128, 100, 256],
  [[], 128, 1024, 784],
  [[], 784, 128, 512],
];

let seed = 1;
function randomMatrix(batch: number[], rows: number, cols: number, transposed: boolean): tf.Tensor {
  const shape = transposed ? [...batch, cols, rows] : [...batch, rows, cols];
  return tf.randomUniform(shape, -1, 1, 'float32', seed++);
}

/** Engine tensors, and data ids the backend holds (the fix's temporaries never become engine tensors). */
function usage(): { tensors: number; backendData: number } {
  return { tensors: tf.memory().numTensors, backendData: tf.backend().numDataIds() };
}

/** Runs f with tfjs' own wasm kernels, then reinstalls the JS provider alone. */
function withOriginalKernels<T>(f: () => T): T {
  uninstallKernels();
  try {
    return f();
  } finally {
    installKernels('wasm', JS_ONLY);
  }
}

describe('JS wasm matmul kernels', () => {
  before(async () => {
    const info = await initBackend('wasm');
    assert.equal(info.name, 'wasm');
    installKernels('wasm', JS_ONLY);
  });

  for (const [batch, m, k, n] of SHAPES) {
    it(`BatchMatMul matches the original for [${[...batch, m, k]}]·[${[...batch, k, n]}]`, () => {
      for (const [transposeA, transposeB] of COMBOS) {
        const a = randomMatrix(batch, m, k, transposeA);
        const b = randomMatrix(batch, k, n, transposeB);
        const expected = withOriginalKernels(() => tf.matMul(a, b, transposeA, transposeB));
        const before = usage();
        tf.matMul(a, b, transposeA, transposeB).dispose();
        assert.deepEqual(usage(), before);
        const actual = tf.matMul(a, b, transposeA, transposeB);
        assertClose(actual, expected, TOLERANCE, `transposeA=${transposeA} transposeB=${transposeB}`);
        tf.dispose([a, b, expected, actual]);
      }
    });
  }

  it('_FusedMatMul without bias or activation matches the original for all transpose combos', () => {
    for (const [transposeA, transposeB] of COMBOS) {
      const a = randomMatrix([], 32, 100, transposeA);
      const b = randomMatrix([], 100, 48, transposeB);
      const args = { a, b, transposeA, transposeB };
      const expected = withOriginalKernels(() => tf.fused.matMul(args));
      const actual = tf.fused.matMul(args);
      assertClose(actual, expected, TOLERANCE, `fused transposeA=${transposeA} transposeB=${transposeB}`);
      tf.dispose([a, b, expected, actual]);
    }
  });

  // With a transpose the original's slow path gets bias and relu wrong (see kernels/js/matmul.ts): compare with unfused ops.
  it('_FusedMatMul with bias and activation equals matMul + bias + activation, without leaks', () => {
    for (const activation of ['linear', 'relu'] as const) {
      for (const [transposeA, transposeB] of COMBOS) {
        const a = randomMatrix([], 16, 100, transposeA);
        const b = randomMatrix([], 100, 24, transposeB);
        const bias = tf.randomUniform([24], -1, 1, 'float32', seed++);
        const before = usage();
        const actual = tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation });
        assert.deepEqual(usage(), { tensors: before.tensors + 1, backendData: before.backendData + 1 });
        const expected = tf.tidy(() => {
          const linear = tf.add(tf.matMul(a, b, transposeA, transposeB), bias);
          return activation === 'relu' ? tf.relu(linear) : linear;
        });
        assertClose(actual, expected, TOLERANCE, `fused ${activation} transposeA=${transposeA} transposeB=${transposeB}`);
        tf.dispose([a, b, bias, expected, actual]);
      }
    }
  });

  it('gradients of a transposed product are unchanged', () => {
    const x = randomMatrix([], 8, 12, false);
    const w = randomMatrix([], 12, 6, false);
    const loss = (xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.square(tf.matMul(xs, ws)));
    const gradients = () => tf.grads(loss)([x, w]);
    const expected = withOriginalKernels(gradients);
    const actual = gradients();
    assertClose(actual[0], expected[0], TOLERANCE, 'dx');
    assertClose(actual[1], expected[1], TOLERANCE, 'dw');
    tf.dispose([x, w, ...expected, ...actual]);
  });

  // The GAN's backward products, [batch dims, m, k, n]: dx = dy·Wᵀ (computed as (W·dyᵀ)ᵀ) and dW = xᵀ·dy, some with
  // rows a multiple of 32 apart (the tiled transpose) and some not (tfjs' Transpose kernel).
  const BACKWARD: [number[], number, number, number][] = [
    [[1], 128, 512, 784],
    [[], 128, 784, 1024],
    [[1], 128, 256, 512],
    [[], 100, 48, 70],
    [[], 96, 128, 40],
  ];

  it('transposed products equal XNNPACK\'s product of explicitly transposed operands bit for bit', () => {
    for (const [batch, m, k, n] of BACKWARD) {
      for (const [transposeA, transposeB] of COMBOS.slice(1)) {
        const a = randomMatrix(batch, m, k, transposeA);
        const b = randomMatrix(batch, k, n, transposeB);
        const plain = tf.tidy(() => {
          const swap = (x: tf.Tensor) => tf.transpose(x, [...batch.keys(), batch.length + 1, batch.length]);
          return tf.matMul(transposeA ? swap(a) : a, transposeB ? swap(b) : b);
        });
        const before = usage();
        const fixed = tf.matMul(a, b, transposeA, transposeB);
        assert.deepEqual(usage(), { tensors: before.tensors + 1, backendData: before.backendData + 1 });
        assert.deepEqual(fixed.shape, plain.shape);
        assert.deepEqual(fixed.dataSync(), plain.dataSync(), `[${batch}] ${m}x${k}x${n} transposeA=${transposeA} transposeB=${transposeB}`);
        tf.dispose([a, b, plain, fixed]);
      }
    }
  });

  it('withoutInputGradient answers dy·Wᵀ of that W with zeros, and nothing else', () => {
    const w = randomMatrix([], 20, 12, false);
    const other = randomMatrix([], 20, 12, false);
    const dy = randomMatrix([1], 5, 12, false);
    const x = randomMatrix([], 5, 20, false);
    const expected = tf.matMul(dy, w, false, true);
    const inside = withoutInputGradient(w, () => ({
      skipped: tf.matMul(dy, w, false, true),
      otherWeights: tf.matMul(dy, other, false, true),
      forward: tf.matMul(x, w),
      transposedA: tf.matMul(w, w, true, false),
    }));
    assert.deepEqual(inside.skipped.shape, [1, 5, 20]);
    assert.ok(inside.skipped.dataSync().every((v) => v === 0));
    tf.tidy(() => {
      assertClose(inside.otherWeights, tf.matMul(dy, other, false, true), TOLERANCE, 'other weights');
      assertClose(inside.forward, tf.matMul(x, w), TOLERANCE, 'forward');
      assertClose(inside.transposedA, tf.matMul(tf.transpose(w), w), TOLERANCE, 'transposeA');
      // The scope ends with f, also when f throws.
      assert.throws(() => withoutInputGradient(w, () => { throw new Error('boom'); }), /boom/);
      assertClose(tf.matMul(dy, w, false, true), expected, TOLERANCE, 'after the scope');
    });
    tf.dispose([w, other, dy, x, expected, ...Object.values(inside)]);
  });
});
