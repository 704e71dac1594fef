// The native (OpenBLAS) provider against tfjs' own kernels: random shapes with fast-check, Adam bit for bit, training determinism.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { initBackend } from '../../../src/gan/backend.js';
import { configureNativeKernels, installKernels, nativeBackendLabel, uninstallKernels, withoutInputGradient } from '../../../src/gan/kernels/index.js';
import { nativeAddon, nativeAddonError } from '../../../src/gan/kernels/native/addon.js';
import { nativeProvider } from '../../../src/gan/kernels/native/index.js';
import { GanTrainer } from '../../../src/gan/trainer.js';
import { trainConfig } from '../../../src/gan/train-config.js';
import { syntheticDataset } from '../../helpers/synthetic-dataset.js';
import { assertClose } from './assert-close.js';

/**
 * Tolerance of products and convolutions: |native - tfjs| <= 1e-5 · max(1, max |tfjs|). Both sum float32 products
 * of values in [-1, 1] in different orders (sgemm's blocking against XNNPACK's or tfjs' loops).
 */
const TOLERANCE = 1e-5;
const NATIVE = { providers: ['native'] };

// Without the addon built there is nothing to compare (npm run build says why; CI builds it).
const notBuilt = nativeAddonError()?.startsWith('native kernels not built') ? nativeAddonError() : undefined;

/** f under tfjs' own wasm kernels, then the native provider alone again. */
function withTfjsKernels<T>(f: () => T): T {
  uninstallKernels();
  try {
    return f();
  } finally {
    installKernels('wasm', NATIVE);
  }
}

const dim = fc.integer({ min: 1, max: 40 });
const batchShapes = fc.constantFrom<[number[], number[]]>([[], []], [[3], [3]], [[1], [4]], [[4], [1]], [[2, 3], [2, 3]], [[2, 1], [1, 1]], [[], [2]]);

/** Fused conv2d, conv2d and both gradients on the native provider against tfjs' CPU backend, on random cases. */
async function convParity(inChannels: fc.Arbitrary<number>, outChannels: fc.Arbitrary<number>, numRuns: number, seed: number): Promise<void> {
  const cases = fc.record({
    batch: fc.integer({ min: 1, max: 3 }), height: fc.integer({ min: 1, max: 10 }), width: fc.integer({ min: 1, max: 10 }),
    inC: inChannels, outC: outChannels,
    fh: fc.integer({ min: 1, max: 5 }), fw: fc.integer({ min: 1, max: 5 }),
    stride: fc.integer({ min: 1, max: 3 }), dilation: fc.integer({ min: 1, max: 2 }),
    pad: fc.constantFrom('same' as const, 'valid' as const), activation: fc.constantFrom('linear' as const, 'relu' as const, 'leakyrelu' as const),
    seed: fc.integer({ min: 0, max: 1e6 }),
  }).filter((c) => (c.stride === 1 || c.dilation === 1) && (c.pad === 'same' || ((c.fh - 1) * c.dilation < c.height && (c.fw - 1) * c.dilation < c.width)));
  await fc.assert(
    fc.asyncProperty(cases, async (c) => {
      const run = () => tf.tidy(() => {
        const x = tf.randomUniform([c.batch, c.height, c.width, c.inC], -1, 1, 'float32', c.seed) as tf.Tensor4D;
        const w = tf.randomUniform([c.fh, c.fw, c.inC, c.outC], -1, 1, 'float32', c.seed + 1) as tf.Tensor4D;
        const bias = tf.randomUniform([c.outC], -1, 1, 'float32', c.seed + 2);
        const y = tf.fused.conv2d({ x, filter: w, strides: c.stride, pad: c.pad, dilations: c.dilation, bias, activation: c.activation, leakyreluAlpha: 0.2 });
        const plain = tf.conv2d(x, w, c.stride, c.pad, 'NHWC', c.dilation);
        const f = (xs: tf.Tensor, ws: tf.Tensor) => {
          const out = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation);
          return tf.sum(tf.mul(out, tf.cos(tf.range(0, out.size).reshape(out.shape))));
        };
        // tfjs has no conv2d gradient with dilations.
        const grads = c.dilation === 1 ? tf.grads(f)([x, w]) : [];
        return [y, plain, ...grads].map((t) => t.dataSync() as Float32Array);
      });
      await tf.setBackend('cpu');
      const expected = run();
      await tf.setBackend('wasm');
      const actual = run();
      assert.equal(actual.length, expected.length);
      actual.forEach((a, i) => assertClose(a, expected[i]!, TOLERANCE, `${['fused', 'conv2d', 'dx', 'dW'][i]} ${JSON.stringify(c)}`));
    }),
    { numRuns, seed },
  );
}

describe('native kernels', { skip: notBuilt }, () => {
  before(async () => {
    const info = await initBackend('wasm');
    // Named by the library of its products: oneDNN's sgemm when the addon was built with libdnnl-dev.
    assert.equal(info.label, `wasm+${nativeAddon()!.gemmLibrary()}`, JSON.stringify(info.skipped));
    assert.match(info.label, /^wasm\+(onednn|openblas)$/);
    assert.equal(info.label, nativeBackendLabel());
    assert.equal(nativeAddon()!.config().includes('oneDNN'), info.label === 'wasm+onednn');
    installKernels('wasm', NATIVE);
  });

  it('BatchMatMul matches tfjs for odd sizes, 1-row/1-column operands, transposes and batch broadcast', () => {
    fc.assert(
      fc.property(batchShapes, dim, dim, dim, fc.boolean(), fc.boolean(), fc.integer(), ([ba, bb], m, k, n, ta, tb, seed) => {
        tf.tidy(() => {
          const a = tf.randomUniform([...ba, ...(ta ? [k, m] : [m, k])], -1, 1, 'float32', seed);
          const b = tf.randomUniform([...bb, ...(tb ? [n, k] : [k, n])], -1, 1, 'float32', seed + 1);
          const expected = withTfjsKernels(() => tf.matMul(a, b, ta, tb));
          const before = tf.memory().numTensors;
          const actual = tf.matMul(a, b, ta, tb);
          assert.equal(tf.memory().numTensors, before + 1);
          assertClose(actual, expected, TOLERANCE, `[${ba}|${m}x${k}]·[${bb}|${k}x${n}] ta=${ta} tb=${tb}`);
        });
      }),
      { numRuns: 150, seed: 1 },
    );
  });

  it('_FusedMatMul with bias and each activation equals matMul + bias + activation', () => {
    const activations = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu'] as const;
    fc.assert(
      fc.property(dim, dim, dim, fc.boolean(), fc.boolean(), fc.constantFrom(...activations), fc.boolean(), fc.integer(), (m, k, n, ta, tb, activation, withBias, seed) => {
        tf.tidy(() => {
          const a = tf.randomUniform(ta ? [k, m] : [m, k], -2, 2, 'float32', seed);
          const b = tf.randomUniform(tb ? [n, k] : [k, n], -2, 2, 'float32', seed + 1);
          const bias = withBias ? tf.randomUniform([n], -1, 1, 'float32', seed + 2) : undefined;
          const actual = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation, leakyreluAlpha: 0.3 });
          const expected = withTfjsKernels(() => {
            const linear = tf.matMul(a, b, ta, tb);
            const biased = bias ? tf.add(linear, bias) : linear;
            const byName = {
              linear: () => biased, relu: () => tf.relu(biased), relu6: () => tf.relu6(biased), leakyrelu: () => tf.leakyRelu(biased, 0.3),
              sigmoid: () => tf.sigmoid(biased), elu: () => tf.elu(biased),
            };
            return byName[activation]();
          });
          assertClose(actual, expected, TOLERANCE, `${m}x${k}x${n} ta=${ta} tb=${tb} ${activation} bias=${withBias}`);
        });
      }),
      { numRuns: 120, seed: 2 },
    );
  });

  it('gradients through a dense layer match tfjs', () => {
    const x = tf.randomUniform([9, 13], -1, 1, 'float32', 3);
    const w = tf.randomUniform([13, 7], -1, 1, 'float32', 4);
    const bias = tf.randomUniform([7], -1, 1, 'float32', 5);
    const loss = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
      tf.sum(tf.square(tf.fused.matMul({ a: xs as tf.Tensor2D, b: ws as tf.Tensor2D, bias: bs, activation: 'relu' })));
    const expected = withTfjsKernels(() => tf.grads(loss)([x, w, bias]));
    const actual = tf.grads(loss)([x, w, bias]);
    actual.forEach((g, i) => assertClose(g, expected[i]!, TOLERANCE, `gradient ${i}`));
    tf.dispose([x, w, bias, ...expected, ...actual]);
  });

  it('withoutInputGradient answers dy·Wᵀ of that W with zeros', () => {
    const w = tf.randomUniform([20, 12], -1, 1, 'float32', 6);
    const dy = tf.randomUniform([5, 12], -1, 1, 'float32', 7);
    const skipped = withoutInputGradient(w, () => tf.matMul(dy, w, false, true));
    assert.ok(skipped.dataSync().every((v) => v === 0));
    assertClose(tf.matMul(dy, w, false, true), withTfjsKernels(() => tf.matMul(dy, w, false, true)), TOLERANCE, 'outside the scope');
    tf.dispose([w, dy, skipped]);
  });

  it('conv2d, fused conv2d and both gradients match tfjs\' CPU kernels for strides, paddings and dilations', async () => {
    await convParity(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 }), 80, 3);
  });

  it('the one-output-channel convolutions (no im2col) and their gradients match tfjs\' CPU kernels', async () => {
    await convParity(fc.integer({ min: 1, max: 70 }), fc.constant(1), 60, 5);
  });

  it('ResizeNearestNeighbor and its gradient match tfjs for any sizes and alignCorners', () => {
    const size = fc.integer({ min: 1, max: 9 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), size, size, size, size, fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.boolean(), fc.integer(), (batch, inH, inW, outH, outW, channels, alignCorners, halfPixelCenters, seed) => {
        tf.tidy(() => {
          const x = tf.randomUniform([batch, inH, inW, channels], -1, 1, 'float32', seed) as tf.Tensor4D;
          const weights = tf.randomUniform([batch, outH, outW, channels], -1, 1, 'float32', seed + 1);
          // tfjs refuses both at once.
          const resize = () => tf.image.resizeNearestNeighbor(x, [outH, outW], alignCorners, halfPixelCenters && !alignCorners);
          // The gradient: tfjs' own kernel ignores halfPixelCenters, so ours is compared without it.
          const grad = () => tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(xs as tf.Tensor4D, [outH, outW], alignCorners), weights)))(x);
          const what = `[${batch},${inH},${inW},${channels}] -> ${outH}x${outW} alignCorners=${alignCorners}`;
          assertClose(resize(), withTfjsKernels(resize), TOLERANCE, `resize ${what} halfPixelCenters=${halfPixelCenters}`);
          // With alignCorners and a 1-pixel side tfjs' gradient searches an infinite window and answers 0 (ours sums).
          if (!(alignCorners && (inH === 1 || inW === 1))) assertClose(grad(), withTfjsKernels(grad), TOLERANCE, `resize gradient ${what}`);
        });
      }),
      { numRuns: 150, seed: 6 },
    );
  });

  it('Sum and Mean over any axes, LeakyReLU, tanh, sigmoid, BatchNorm, row gathers, Greater, Select and per-channel Multiply/Add/Sub match tfjs', () => {
    const shapes = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(shapes, fc.integer(), fc.boolean(), (shape, seed, keepDims) => {
        tf.tidy(() => {
          const x = tf.randomUniform(shape, -3, 3, 'float32', seed);
          const rank = shape.length;
          const axisSets = [[0], [rank - 1], [...Array(rank).keys()], rank > 2 ? [0, 2] : [0], rank > 1 ? [0, 1] : [0]];
          const cols = shape.at(-1)!;
          const param = (s: number) => tf.randomUniform([cols], 0.5, 1.5, 'float32', s);
          const rows = tf.tensor1d([shape[0]! - 1, 0, Math.floor(shape[0]! / 2), 0], 'int32');
          const ops: [string, () => tf.Tensor][] = [
            ...axisSets.flatMap((axes): [string, () => tf.Tensor][] => [
              [`sum ${axes}`, () => tf.sum(x, axes, keepDims)],
              [`mean ${axes}`, () => tf.mean(x, axes, keepDims)],
            ]),
            ['leakyRelu', () => tf.leakyRelu(x, 0.2)],
            ['tanh', () => tf.tanh(x)],
            ['sigmoid', () => tf.sigmoid(x)],
            ['batchNorm', () => tf.batchNorm(x, param(seed + 1), param(seed + 2), param(seed + 3), param(seed + 4), 1e-3)],
            ['batchNorm scalar', () => tf.batchNorm(x, tf.scalar(0.1), tf.scalar(2), undefined, undefined, 1e-3)],
            ['gather', () => tf.gather(x, rows)],
            ['greater, select', () => tf.where(tf.greater(x, 0), x, tf.neg(x))],
            ['greater alike', () => tf.cast(tf.greater(x, tf.sin(x)), 'float32')],
            ['mul by row', () => tf.mul(x, param(seed + 5))],
            ['mul row first, as [1,..,1,C]', () => tf.mul(param(seed + 5).reshape([...shape.slice(1).map(() => 1), cols]), x)],
            ['add row', () => tf.add(param(seed + 6), x)],
            ['sub row', () => tf.sub(x, param(seed + 7))],
            ['sub from row', () => tf.sub(param(seed + 7), x)],
            ['mul alike', () => tf.mul(x, tf.sin(x))],
          ];
          for (const [what, op] of ops) assertClose(op(), withTfjsKernels(op), TOLERANCE, `${what} of [${shape}] keepDims=${keepDims}`);
        });
      }),
      { numRuns: 60, seed: 4 },
    );
  });

  it('the fused Adam update gives tfjs\' Adam bit for bit over several steps', () => {
    const run = (native: boolean) => {
      if (!native) installKernels('wasm', { providers: ['js'] });
      try {
        return tf.tidy(() => {
          const vars = [tf.variable(tf.randomUniform([37, 5], -1, 1, 'float32', 8)), tf.variable(tf.randomUniform([1], -1, 1, 'float32', 9))];
          const opt = tf.train.adam(0.0002, 0.5, 0.999);
          for (let step = 0; step < 6; step++) {
            opt.minimize(() => tf.sum(tf.mul(tf.sin(tf.add(vars[0]!, step)), tf.sum(tf.exp(vars[1]!)))) as tf.Scalar, false, vars);
          }
          const out = vars.map((v) => Array.from(v.dataSync()));
          opt.dispose();
          vars.forEach((v) => v.dispose());
          return out;
        });
      } finally {
        installKernels('wasm', NATIVE);
      }
    };
    assert.deepEqual(run(true), run(false));
  });

  it('Dropout and the Sum/Mean gradients give tfjs\' results bit for bit without a JS array per call', () => {
    // The provider's install() puts them in place; `without` leaves every kernel to the ones below, so only they differ.
    const nativeKernelNames = nativeProvider.kernels.map((k) => k.kernelName);
    const run = (providers: string[], without: string[]) => {
      installKernels('wasm', { providers, without });
      const x = tf.randomUniform([2, 5, 6, 3], -1, 1, 'float32', 3);
      const engine = tf.engine() as unknown as { makeTensor: (...args: unknown[]) => tf.Tensor };
      const makeTensor = engine.makeTensor;
      let jsArrays = 0;
      engine.makeTensor = (...args: unknown[]) => {
        if ((args[0] as ArrayBufferView | undefined)?.byteLength === 4 * 2 * 5 * 6 * 3) jsArrays++;
        return makeTensor.apply(engine, args);
      };
      try {
        return tf.tidy(() => {
          const layer = tf.layers.dropout({ rate: 0.25, seed: 7 });
          const dropped = (a: tf.Tensor) => layer.apply(a, { training: true }) as tf.Tensor;
          const f = (a: tf.Tensor) => tf.add(tf.sum(tf.mean(tf.mul(dropped(a), a), [0, 1, 2])), tf.mean(tf.sum(tf.sin(a), [1, 3])));
          const out = [dropped(x), tf.grad(f)(x)].map((t) => Array.from(t.dataSync()));
          return { out, jsArrays };
        });
      } finally {
        engine.makeTensor = makeTensor;
        x.dispose();
      }
    };
    try {
      const tfjs = run(['js'], []);
      const heap = run(['native', 'js'], nativeKernelNames);
      assert.deepEqual(heap.out, tfjs.out);
      assert.ok(tfjs.out[0]!.some((v) => v === 0) && tfjs.out[0]!.some((v) => v !== 0), 'the mask drops some values and keeps others');
      assert.ok(tfjs.jsArrays > 0, 'tfjs makes JS arrays of the input size');
      assert.equal(heap.jsArrays, 0);
    } finally {
      installKernels('wasm', NATIVE);
    }
  });

  it('with 2 BLAS threads (GANFORGE_BLAS_THREADS=2) gan and dcgan train bit-identically run to run', async () => {
    // The threaded sgemm (oneDNN's or OpenBLAS') splits each product the same way for the same thread count.
    configureNativeKernels({ blasThreads: 2 });
    installKernels('wasm');
    const train = async (model: 'gan' | 'dcgan') => {
      const t = await GanTrainer.create({ config: trainConfig({ model, batchSize: 32, seed: 12 }), dataset: syntheticDataset() });
      const losses = Array.from({ length: 3 }, () => t.step());
      const weights = [...t.generator.getWeights(), ...t.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
      t.dispose();
      return { losses, weights };
    };
    try {
      assert.equal(nativeAddon()!.threads(), 2);
      for (const model of ['gan', 'dcgan'] as const) assert.deepEqual(await train(model), await train(model), model);
    } finally {
      configureNativeKernels({ blasThreads: 1 });
      installKernels('wasm', NATIVE);
    }
    assert.equal(nativeAddon()!.threads(), 1);
  });

  it('training is bit-identical run to run with the same seed (losses and weights)', async () => {
    installKernels('wasm');
    const train = async () => {
      const t = await GanTrainer.create({ config: trainConfig({ batchSize: 16, seed: 11 }), dataset: syntheticDataset() });
      const losses = Array.from({ length: 6 }, () => t.step());
      const weights = [...t.generator.getWeights(), ...t.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
      t.dispose();
      return { losses, weights };
    };
    try {
      assert.deepEqual(await train(), await train());
    } finally {
      installKernels('wasm', NATIVE);
    }
  });
});
