// A small DCGAN-shaped model (strided conv, transposed conv, BatchNorm, LeakyReLU, Adam) trains on every wasm provider alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/gan/backend.js';
import { installKernels } from '../../../src/gan/kernels/index.js';
import { nativeAddonError } from '../../../src/gan/kernels/native/addon.js';

/** Losses of the same steps agree to this relative difference across kernel providers (summation order only). */
const TOLERANCE = 1e-3;

function model(): tf.Sequential {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 6, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(1) }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.batchNormalization({ momentum: 0.8 }),
      tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: init(2) }),
      tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'valid', activation: 'tanh', kernelInitializer: init(3) }),
    ],
  });
}

/** Six Adam steps of a mean squared error; the losses. */
function train(): number[] {
  return tf.tidy(() => {
    const m = model();
    const x = tf.randomUniform([5, 12, 12, 2], -1, 1, 'float32', 4);
    const target = tf.randomUniform([5, 10, 10, 1], -1, 1, 'float32', 5);
    const opt = tf.train.adam(0.01, 0.5, 0.999);
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const losses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const loss = opt.minimize(() => tf.losses.meanSquaredError(target, m.apply(x, { training: true }) as tf.Tensor), true, vars)!;
      losses.push(loss.dataSync()[0]!);
    }
    opt.dispose();
    m.dispose();
    return losses;
  });
}

test('the same conv model trains to the same losses on the CPU backend, wasm (JS kernels) and wasm with the native kernels', async () => {
  await initBackend('wasm');
  await tf.setBackend('cpu');
  const reference = train();
  await tf.setBackend('wasm');
  const providers: string[][] = nativeAddonError() ? [['js']] : [['js'], ['native', 'js']];
  try {
    for (const p of providers) {
      installKernels('wasm', { providers: p });
      const losses = train();
      losses.forEach((l, i) => assert.ok(Math.abs(l - reference[i]!) <= TOLERANCE * Math.abs(reference[i]!), `${p}: step ${i} loss ${l}, CPU ${reference[i]}`));
      assert.ok(losses.at(-1)! < losses[0]!, `${p}: the loss goes down (${losses})`);
    }
  } finally {
    installKernels('wasm');
  }
});
