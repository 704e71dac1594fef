// Every model of the registry: parameter counts from the saved model.json, exact resumption, and what each model owns.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { initBackend } from '../../src/gan/backend.js';
import { MODELS } from '../../src/gan/models/registry.js';
import { GanTrainer, type IterationMetrics } from '../../src/gan/trainer.js';
import { trainConfig, type TrainConfigInput } from '../../src/gan/train-config.js';
import type { CheckpointFiles } from '../../src/gan/checkpoint-files.js';
import { syntheticDataset } from '../helpers/synthetic-dataset.js';

before(async () => {
  await initBackend((process.env.GANFORGE_BACKEND as 'wasm') ?? 'auto');
});

const dataset = syntheticDataset(64);
/** Small and quick: 4 images a batch, 2 critic steps for the Wasserstein models. */
const small = (model: string, extra: Record<string, unknown> = {}) =>
  trainConfig({
    model,
    batchSize: 4,
    seed: 3,
    iterations: 4,
    sampleInterval: 100,
    checkpointInterval: 100,
    ...(model.startsWith('wgan') ? { nCritic: 2 } : {}),
    ...extra,
  } as TrainConfigInput);

/** Keras' count from the layers format: every saved weight; moving mean and variance are the non-trainable ones. */
function counts(files: CheckpointFiles, prefix: string): { total: number; nonTrainable: number } {
  const json = JSON.parse(new TextDecoder().decode(files.get(`${prefix}/model.json`)));
  let total = 0;
  let nonTrainable = 0;
  for (const w of json.weightsManifest[0].weights as { name: string; shape: number[] }[]) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    total += n;
    if (/moving_(mean|variance)$/.test(w.name)) nonTrainable += n;
  }
  return { total, nonTrainable };
}

const EXPECTED: Record<string, { g: [number, number]; d: [number, number] }> = {
  gan: { g: [1_493_520, 3_584], d: [533_505, 0] },
  dcgan: { g: [856_193, 384], d: [393_729, 896] },
  cgan: { g: [1_494_520, 3_584], d: [935_585, 0] },
  lsgan: { g: [1_493_520, 3_584], d: [533_505, 0] },
  wgan: { g: [1_028_673, 384], d: [100_097, 448] },
  'wgan-gp': { g: [1_028_673, 384], d: [100_097, 448] },
};

test('every model has its test entry', () => {
  assert.deepEqual(MODELS.map((m) => m.name).sort(), Object.keys(EXPECTED).sort());
});

for (const model of MODELS) {
  test(`${model.name}: parameter counts of Keras-GAN, read from the saved model.json`, async () => {
    const t = await GanTrainer.create({ config: small(model.name), dataset });
    const files = await t.checkpoint();
    t.dispose();
    const g = counts(files, 'generator');
    const d = counts(files, 'discriminator');
    assert.deepEqual([g.total, g.nonTrainable], EXPECTED[model.name]!.g);
    assert.deepEqual([d.total, d.nonTrainable], EXPECTED[model.name]!.d);
  });

  test(`${model.name}: 2 + checkpoint + 2 in a fresh engine equals 4 straight, losses and weights bit-identical`, async () => {
    const config = small(model.name);
    const straight = await GanTrainer.create({ config, dataset });
    const straightLosses: IterationMetrics[] = [];
    await straight.run({ onMetrics: (m) => void straightLosses.push(m) });
    assert.deepEqual(Object.keys(straightLosses[0]!), ['iteration', ...model.metrics]);

    const first = await GanTrainer.create({ config: { ...config, iterations: 2 }, dataset });
    let saved: CheckpointFiles | undefined;
    await first.run({ onCheckpoint: ({ files }) => void (saved = files) });
    first.dispose();
    const copy: CheckpointFiles = new Map([...saved!].map(([k, v]) => [k, Uint8Array.from(v)]));
    const resumed = await GanTrainer.create({ config, dataset, checkpoint: copy });
    const resumedLosses: IterationMetrics[] = [];
    await resumed.run({ onMetrics: (m) => void resumedLosses.push(m) });
    assert.deepEqual(resumedLosses, straightLosses.slice(2));
    const weights = (t: GanTrainer) => [...t.generator.getWeights(), ...t.discriminator.getWeights()].map((w) => Array.from(w.dataSync()));
    assert.deepEqual(weights(resumed), weights(straight));
    straight.dispose();
    resumed.dispose();
  });
}

test('a model refuses a dataset whose image shape it cannot take, naming the model and the shape', async () => {
  const odd = { ...syntheticDataset(8), height: 30, width: 30, images: new Float32Array(8 * 30 * 30) };
  await assert.rejects(GanTrainer.create({ config: small('dcgan'), dataset: odd }), /model dcgan cannot train on synthetic: .*divisible by 4.*30x30/);
});

test('cgan: the generator takes (noise, label); the sample grid has one labelled row per class', async () => {
  const t = await GanTrainer.create({ config: small('cgan', { sampleGrid: 3 }), dataset });
  t.step();
  assert.deepEqual(t.generator.inputs.map((i) => i.shape), [[null, 100], [null, 1]]);
  const differs = tf.tidy(() => {
    const z = tf.randomNormal([1, 100], 0, 1, 'float32', 1);
    const a = t.generator.predict([z, tf.tensor2d([[1]], [1, 1], 'int32')]) as tf.Tensor;
    const b = t.generator.predict([z, tf.tensor2d([[7]], [1, 1], 'int32')]) as tf.Tensor;
    return tf.any(tf.notEqual(a, b)).dataSync()[0];
  });
  assert.equal(differs, 1, 'the label changes the image');
  const png = PNG.sync.read(Buffer.from(t.sampleGrid()));
  t.dispose();
  // 10 rows of 112 px tiles with 2 px separators; 3 columns plus the margin for the row titles.
  assert.equal(png.height, 10 * 112 + 11 * 2);
  assert.ok(png.width > 3 * 112 + 4 * 2, `a margin for the labels: width ${png.width}`);
});

test('wgan: every critic weight is clipped to 0.01, and it reports the critic and generator losses only', async () => {
  const t = await GanTrainer.create({ config: small('wgan'), dataset });
  const m = t.step();
  assert.deepEqual(Object.keys(m), ['iteration', 'dLoss', 'gLoss']);
  const max = Math.max(...t.discriminator.getWeights().map((w) => tf.tidy(() => tf.max(tf.abs(w)).dataSync()[0]!)));
  assert.ok(max <= 0.01, `largest critic weight ${max}`);
  t.dispose();
});

test('wgan-gp: the gradient penalty is differentiated inside the loss and moves the critic', async () => {
  const criticAfter = async (gpWeight: number) => {
    const t = await GanTrainer.create({ config: small('wgan-gp', { gpWeight }), dataset });
    const m = t.step();
    const w = t.discriminator.getWeights().map((x) => Array.from(x.dataSync()));
    t.dispose();
    return { m, w };
  };
  const without = await criticAfter(0);
  const withGp = await criticAfter(10);
  assert.deepEqual(Object.keys(withGp.m), ['iteration', 'dLoss', 'gLoss', 'gp']);
  assert.ok(withGp.m.gp! > 0 && Number.isFinite(withGp.m.gp!));
  assert.notDeepEqual(withGp.w, without.w, 'the penalty changes the critic update');
});
