// Engine tests: architecture, leak-freedom, determinism, exact resumption, samples and divergence.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { initBackend } from '../../src/gan/backend.js';
import { GanTrainer, TrainingDivergedError, type IterationMetrics } from '../../src/gan/trainer.js';
import { trainConfig, type TrainConfigInput } from '../../src/gan/train-config.js';
import { InvalidCheckpointError, type CheckpointFiles } from '../../src/gan/checkpoint-files.js';
import { syntheticDataset } from '../helpers/synthetic-dataset.js';

before(async () => {
  await initBackend((process.env.GANFORGE_BACKEND as 'wasm') ?? 'auto');
});

const dataset = syntheticDataset();
const small = (extra: TrainConfigInput = {}) =>
  trainConfig({ batchSize: 16, seed: 3, iterations: 1000, sampleInterval: 1000, checkpointInterval: 1000, ...extra });

async function weightsOf(t: GanTrainer): Promise<Float32Array[]> {
  return Promise.all(
    [...t.generator.getWeights(), ...t.discriminator.getWeights()].map(async (w) => (await w.data()) as Float32Array),
  );
}

test('no tensors leak: the count after iteration 10 equals the count after iteration 200', async () => {
  const t = await GanTrainer.create({ config: small({ iterations: 200, sampleInterval: 50, checkpointInterval: 100 }), dataset });
  let at10 = -1;
  await t.run({
    onMetrics: (m) => {
      if (m.iteration === 10) at10 = tf.memory().numTensors;
    },
    onSample: () => {},
    onCheckpoint: () => {},
  });
  assert.equal(t.iteration, 200);
  assert.ok(at10 > 0);
  assert.equal(tf.memory().numTensors, at10);
  t.dispose();
});

test('same seed, same backend: the same losses bit for bit over 50 iterations; another seed differs', async () => {
  const runLosses = async (seed: number) => {
    const t = await GanTrainer.create({ config: small({ seed }), dataset });
    const out: IterationMetrics[] = [];
    for (let i = 0; i < 50; i++) out.push(t.step());
    t.dispose();
    return out;
  };
  const a = await runLosses(11);
  const b = await runLosses(11);
  const c = await runLosses(12);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const m of a) assert.ok(m.dAcc >= 0 && m.dAcc <= 1 && m.dLoss > 0 && m.gLoss > 0);
});

test('resume: 30 + checkpoint + 30 in a fresh engine equals 60 straight, losses and weights bit-identical', async () => {
  const config = small({ iterations: 60 });
  const straight = await GanTrainer.create({ config, dataset });
  const straightLosses: IterationMetrics[] = [];
  await straight.run({ onMetrics: (m) => void straightLosses.push(m) });

  const first = await GanTrainer.create({ config: { ...config, iterations: 30 }, dataset });
  let saved: CheckpointFiles | undefined;
  await first.run({ onCheckpoint: ({ files }) => void (saved = files) });
  first.dispose();
  assert.ok(saved);
  // Round-trip through bytes as a file or a store would.
  const copy: CheckpointFiles = new Map([...saved].map(([k, v]) => [k, Uint8Array.from(v)]));

  const resumed = await GanTrainer.create({ config, dataset, checkpoint: copy });
  assert.equal(resumed.iteration, 30);
  const resumedLosses: IterationMetrics[] = [];
  await resumed.run({ onMetrics: (m) => void resumedLosses.push(m) });
  assert.deepEqual(resumedLosses, straightLosses.slice(30));
  assert.deepEqual(await weightsOf(resumed), await weightsOf(straight));
  straight.dispose();
  resumed.dispose();
});

test('a checkpoint from another trajectory, or a damaged one, is refused with a clear error', async () => {
  const t = await GanTrainer.create({ config: small(), dataset });
  t.step();
  const files = await t.checkpoint();
  t.dispose();
  await assert.rejects(GanTrainer.create({ config: small({ seed: 99 }), dataset, checkpoint: files }), (e: unknown) => {
    assert.ok(e instanceof InvalidCheckpointError);
    assert.match(e.message, /seed=3, this run has 99/);
    return true;
  });
  await assert.rejects(
    GanTrainer.create({ config: small({ batchSize: 8 }), dataset, checkpoint: files }),
    (e: unknown) => e instanceof InvalidCheckpointError && /batchSize=16, this run has 8/.test(e.message),
  );
  const damaged = new Map(files);
  damaged.set('generator/weights.bin', files.get('generator/weights.bin')!.subarray(0, 100));
  await assert.rejects(GanTrainer.create({ config: small(), dataset, checkpoint: damaged }), /generator\/weights.bin holds 100 bytes/);
  const noState = new Map(files);
  noState.delete('state.json');
  await assert.rejects(GanTrainer.create({ config: small(), dataset, checkpoint: noState }), /state.json is missing/);
});

test('checkpointed generator loads with tf.loadLayersModel and generates images in [-1, 1]', async () => {
  const t = await GanTrainer.create({ config: small(), dataset });
  t.step();
  const files = await t.checkpoint();
  t.dispose();
  const modelJson = JSON.parse(new TextDecoder().decode(files.get('generator/model.json')));
  const weights = files.get('generator/weights.bin')!;
  const g = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  );
  const out = tf.tidy(() => g.predict(tf.randomNormal([4, 100])) as tf.Tensor);
  assert.deepEqual(out.shape, [4, 28, 28, 1]);
  const v = await out.data();
  assert.ok(v.every((x) => x >= -1 && x <= 1));
  out.dispose();
  g.dispose();
});

test('samples: a 5x5 grid PNG with upscaled tiles and pixels in 0..255', async () => {
  const t = await GanTrainer.create({ config: small(), dataset });
  const png = PNG.sync.read(Buffer.from(t.sampleGrid()));
  t.dispose();
  assert.ok(png.width >= 5 * 28 * 2 && png.height === png.width, `grid is ${png.width}x${png.height}`);
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    lo = Math.min(lo, png.data[i]!);
    hi = Math.max(hi, png.data[i]!);
  }
  assert.ok(hi > lo, 'the grid is not blank');
});

test('a non-finite loss stops training with an error naming the iteration', async () => {
  const t = await GanTrainer.create({ config: small({ learningRate: 1 }), dataset });
  t.step();
  // Poison one discriminator weight: the next iteration's losses become NaN.
  const w = t.discriminator.getWeights()[0]!;
  t.discriminator.layers[1]!.setWeights([tf.fill(w.shape, NaN), t.discriminator.layers[1]!.getWeights()[1]!]);
  assert.throws(() => t.step(), (e: unknown) => e instanceof TrainingDivergedError && e.iteration === 2 && /iteration 2/.test(e.message));
  t.dispose();
});
