// The sample-quality scorer's figures: held-out accuracy, real-vs-real calibration, an untrained generator's scores, overhead.
import { parseArgs } from 'node:util';
import { initBackend } from '../src/gan/backend.js';
import { loadEnv } from '../src/config/env.js';
import { BuiltinSource } from '../src/gan/datasets/sources.js';
import { GanTrainer } from '../src/gan/trainer.js';
import { trainConfig, type TrainConfigInput } from '../src/gan/train-config.js';
import { datasetHash } from '../src/gan/quality/dataset-hash.js';
import { trainScorer } from '../src/gan/quality/train-scorer.js';

const USAGE = `usage: npm run quality -- [options]
  --dataset NAME        mnist or fashion-mnist (default mnist)
  --epochs N            classifier epochs (default GANFORGE_QUALITY_EPOCHS)
  --samples N           images per score (default GANFORGE_QUALITY_SAMPLES)
  --model NAME          the untrained generator scored (default gan)
  --overhead            also time one scoring against 1000 training iterations at batch 32 and 128
  --iterations N        also train the model N iterations (seed 0) and score it every --every (default 1000)
  --batch-size N        batch size of that run (default 128)`;

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'mnist' },
    epochs: { type: 'string' },
    samples: { type: 'string' },
    model: { type: 'string', default: 'gan' },
    overhead: { type: 'boolean', default: false },
    iterations: { type: 'string', default: '0' },
    every: { type: 'string', default: '1000' },
    'batch-size': { type: 'string', default: '128' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const env = loadEnv();
const epochs = Number(values.epochs ?? env.GANFORGE_QUALITY_EPOCHS);
const samples = Number(values.samples ?? env.GANFORGE_QUALITY_SAMPLES) || 2000;
const backend = await initBackend(env.GANFORGE_BACKEND, { blasThreads: env.GANFORGE_BLAS_THREADS });
const dataset = await new BuiltinSource(env).load(values.dataset!);
const hash = datasetHash(dataset);
const fmt = (x: number | null) => (x === null ? "-" : x.toPrecision(4));
console.log(`dataset ${dataset.name}: ${dataset.count} images (${dataset.source}), sha256 ${hash.slice(0, 16)}..., backend ${backend.label}`);

let lastShown = 0;
const t0 = performance.now();
const scorer = await trainScorer(dataset, hash, {
  epochs,
  referenceSamples: samples,
  onProgress: (done, total) => {
    if (performance.now() - lastShown > 5000 || done === total) {
      lastShown = performance.now();
      console.log(`  classifier batch ${done}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  },
});
const { meta } = scorer;
console.log(`scorer ${meta.kind}, ${epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(1)} s; held-out ${scorer.heldOut.length} images`);
console.log(`held-out accuracy ${fmt(meta.heldOutAccuracy === null ? null : meta.heldOutAccuracy * 100)}%`);
console.log(`real vs real (training vs held-out, n=${meta.reference.n}): FD ${fmt(meta.reference.fd)}, IS of held-out real ${fmt(meta.reference.is)}`);

async function trainer(input: TrainConfigInput) {
  return GanTrainer.create({ config: trainConfig({ model: values.model as never, dataset: dataset.name as never, ...input } as TrainConfigInput), dataset });
}

const untrained = await trainer({ seed: 0 });
const u = await scorer.score(untrained.generator, samples);
console.log(`untrained ${values.model} generator (n=${samples}): FD ${fmt(u.fd)}, IS ${fmt(u.is)}${u.labelAccuracy === null ? '' : `, label accuracy ${fmt(u.labelAccuracy * 100)}%`} (${u.seconds.toFixed(2)} s)`);
untrained.dispose();

if (values.overhead) {
  // One process, one run: a scoring of the in-memory generator against the 1000 iterations between two checkpoints.
  for (const batchSize of [32, 128]) {
    const t = await trainer({ seed: 1, batchSize, iterations: 1000 });
    for (let i = 0; i < 5; i++) t.step(); // warm-up
    const start = performance.now();
    for (let i = 0; i < 1000; i++) t.step();
    const train = (performance.now() - start) / 1000;
    await scorer.score(t.generator, samples); // warm-up
    const s = await scorer.score(t.generator, samples);
    console.log(
      `overhead ${values.model} batch ${batchSize}: 1000 iterations ${train.toFixed(1)} s, one scoring (n=${samples}) ${s.seconds.toFixed(2)} s = ${((s.seconds / train) * 100).toFixed(1)}%`,
    );
    t.dispose();
  }
}
const iterations = Number(values.iterations);
if (iterations > 0) {
  const every = Number(values.every);
  const t = await trainer({ seed: 0, batchSize: Number(values['batch-size']), iterations, checkpointInterval: every, sampleInterval: iterations });
  const started = performance.now();
  let scoring = 0;
  await t.run({
    onCheckpoint: async ({ iteration }) => {
      const s = await scorer.score(t.generator, samples);
      scoring += s.seconds;
      console.log(`${values.model} batch ${values['batch-size']} iteration ${iteration}: FD ${fmt(s.fd)}, IS ${fmt(s.is)}${s.labelAccuracy === null ? '' : `, label accuracy ${fmt(s.labelAccuracy * 100)}%`}`);
    },
  });
  const total = (performance.now() - started) / 1000;
  console.log(`${iterations} iterations in ${total.toFixed(0)} s, of which scoring ${scoring.toFixed(1)} s (${((scoring / (total - scoring)) * 100).toFixed(1)}% of training)`);
  t.dispose();
}
scorer.dispose();
