// The data-sharing wasm Identity kernel: clones share data safely, and training is bit-identical with and without it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/gan/backend.js';
import { installKernels, uninstallKernels } from '../../../src/gan/kernels/index.js';
import { GanTrainer, type IterationMetrics } from '../../../src/gan/trainer.js';
import { trainConfig } from '../../../src/gan/train-config.js';
import { syntheticDataset } from '../../helpers/synthetic-dataset.js';

const SHARING = { providers: ['js'] };
const COPYING = { providers: ['js'], without: ['Identity'] };

before(async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm');
  installKernels('wasm', SHARING);
});

test('a clone shares its data, outlives the original, and frees the data with the last reference', () => {
  const data = tf.backend().numDataIds();
  const x = tf.tensor([1.5, -2, 3], [3]);
  const y = tf.clone(x);
  assert.equal(tf.backend().numDataIds(), data + 1, 'no second buffer');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1.5, -2, 3]);
  y.dispose();
  assert.equal(tf.backend().numDataIds(), data);
  const s = tf.clone(tf.tensor(['a', 'b']));
  assert.deepEqual(s.dataSync(), ['a', 'b']);
  s.dispose();
});

async function train(iterations: number): Promise<{ losses: IterationMetrics[]; weights: Float32Array[] }> {
  const t = await GanTrainer.create({
    config: trainConfig({ batchSize: 16, seed: 5, iterations, sampleInterval: iterations, checkpointInterval: iterations }),
    dataset: syntheticDataset(),
  });
  const losses: IterationMetrics[] = [];
  for (let i = 0; i < iterations; i++) losses.push(t.step());
  const weights = [...t.generator.getWeights(), ...t.discriminator.getWeights()].map((w) => w.dataSync() as Float32Array);
  t.dispose();
  return { losses, weights };
}

// Copying, the engine's saved copy of D's first kernel is new data, so the D steps compute its input gradient.
test('training is bit-identical with copies (which also turns off skipping D\'s unused input gradient)', async () => {
  const fixed = await train(12);
  installKernels('wasm', COPYING);
  try {
    const copying = await train(12);
    assert.deepEqual(fixed, copying);
  } finally {
    installKernels('wasm', SHARING);
  }
});

test('sharing, an iteration computes the input gradient of D\'s first layer once (G step), copying three times', async () => {
  // A counting kernel under the JS matmul kernel: the product dy·W1ᵀ reaches XNNPACK as W1·dyᵀ, W1 being [784, 512].
  uninstallKernels();
  const raw = tf.getKernel('BatchMatMul', 'wasm');
  let products = 0;
  const counting: tf.KernelFunc = (args) => {
    if (args.inputs.a!.shape.slice(-2).join() === '784,512') products++;
    return raw.kernelFunc(args);
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...raw, kernelFunc: counting });
  try {
    const iterationProducts = async () => {
      const t = await GanTrainer.create({ config: trainConfig({ batchSize: 16, seed: 5 }), dataset: syntheticDataset() });
      products = 0;
      t.step();
      t.dispose();
      return products;
    };
    installKernels('wasm', SHARING);
    assert.equal(await iterationProducts(), 1);
    installKernels('wasm', COPYING);
    assert.equal(await iterationProducts(), 3);
  } finally {
    uninstallKernels();
    tf.unregisterKernel('BatchMatMul', 'wasm');
    tf.registerKernel(raw);
    installKernels('wasm', SHARING);
  }
});
