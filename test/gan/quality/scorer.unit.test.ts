// The scorer engine: deterministic for a seed, the same after a save and load, no leaks, and training left bit for bit as is.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/gan/backend.js';
import { GanTrainer } from '../../../src/gan/trainer.js';
import { trainConfig, type TrainConfigInput } from '../../../src/gan/train-config.js';
import { trainScorer } from '../../../src/gan/quality/train-scorer.js';
import { scorerFromFiles, scorerToFiles } from '../../../src/gan/quality/scorer-files.js';
import { datasetHash } from '../../../src/gan/quality/dataset-hash.js';
import { ScorerUnavailableError } from '../../../src/gan/quality/scorer-unavailable-error.js';
import { syntheticDataset } from '../../helpers/synthetic-dataset.js';

before(async () => {
  await initBackend((process.env.GANFORGE_BACKEND as 'wasm') ?? 'auto');
});

const labelled = { ...syntheticDataset(200), classes: Array.from({ length: 10 }, (_, i) => String(i)) };
const unlabelled = syntheticDataset(200, 11);
const training = { epochs: 1, referenceSamples: 40, batchSize: 32 };
const config = (extra: TrainConfigInput = {}) => trainConfig({ batchSize: 8, seed: 4, iterations: 30, sampleInterval: 1000, checkpointInterval: 10, ...extra });

test('the content hash changes with a pixel and a label, and not between two loads of the same data', () => {
  const a = datasetHash(syntheticDataset(50));
  assert.equal(datasetHash(syntheticDataset(50)), a);
  const pixel = syntheticDataset(50);
  pixel.images[7] = 0.5;
  assert.notEqual(datasetHash(pixel), a);
  const label = syntheticDataset(50);
  label.labels[0] = 9;
  assert.notEqual(datasetHash(label), a);
});

test('a classifier scorer is deterministic for its seed, and scores the same after a save and load', async () => {
  const hash = datasetHash(labelled);
  const one = await trainScorer(labelled, hash, training);
  const two = await trainScorer(labelled, hash, training);
  try {
    assert.equal(one.meta.kind, 'classifier');
    assert.equal(one.heldOut.length, 40, '20% held out');
    assert.deepEqual(one.meta, two.meta);
    assert.deepEqual(one.heldOutFeatures, two.heldOutFeatures);
    assert.ok(one.meta.reference.is !== null && one.meta.reference.is >= 1);
    assert.ok(one.meta.heldOutAccuracy !== null);

    const t = await GanTrainer.create({ config: config({ model: 'cgan' }), dataset: labelled });
    const before = tf.memory().numTensors;
    const a = await one.score(t.generator, 64);
    assert.equal(tf.memory().numTensors, before, 'no tensors leak from a scoring');
    const loaded = await scorerFromFiles(await scorerToFiles(one));
    const b = await loaded.score(t.generator, 64);
    assert.deepEqual({ ...b, seconds: 0 }, { ...a, seconds: 0 });
    assert.ok(a.labelAccuracy !== null && a.labelAccuracy >= 0 && a.labelAccuracy <= 1, 'cgan: label accuracy');
    assert.ok(a.fd > 0 && a.is !== null);
    loaded.dispose();
    t.dispose();
  } finally {
    one.dispose();
    two.dispose();
  }
});

test('an unlabelled dataset gets random features: FD only', async () => {
  const scorer = await trainScorer(unlabelled, datasetHash(unlabelled), training);
  const t = await GanTrainer.create({ config: config(), dataset: unlabelled });
  try {
    assert.equal(scorer.meta.kind, 'random-features');
    assert.equal(scorer.meta.heldOutAccuracy, null);
    assert.equal(scorer.meta.reference.is, null);
    const s = await scorer.score(t.generator, 50);
    assert.equal(s.is, null);
    assert.equal(s.labelAccuracy, null);
    assert.equal(s.scorer, 'random-features');
  } finally {
    scorer.dispose();
    t.dispose();
  }
});

test('too few images for a held-out split: unavailable, with the reason', async () => {
  const tiny = { ...syntheticDataset(20), classes: ['a', 'b'] };
  await assert.rejects(trainScorer(tiny, datasetHash(tiny), training), (err) => err instanceof ScorerUnavailableError && /20 images/.test(err.message));
});

test('scoring at every checkpoint leaves training bit for bit as it is', async () => {
  const scorer = await trainScorer(labelled, datasetHash(labelled), training);
  const run = async (score: boolean) => {
    const t = await GanTrainer.create({ config: config(), dataset: labelled });
    const losses: number[] = [];
    const fds: number[] = [];
    await t.run({
      onMetrics: (m) => void losses.push(m.dLoss!, m.gLoss!),
      onCheckpoint: async () => {
        if (score) fds.push((await scorer.score(t.generator, 48)).fd);
      },
    });
    const weights = await Promise.all([...t.generator.getWeights(), ...t.discriminator.getWeights()].map((w) => w.data()));
    t.dispose();
    return { losses, weights, fds };
  };
  try {
    const plain = await run(false);
    const scored = await run(true);
    assert.equal(scored.fds.length, 3);
    assert.deepEqual(scored.losses, plain.losses);
    assert.deepEqual(scored.weights, plain.weights);
  } finally {
    scorer.dispose();
  }
});
