// The command-line trainer: runs the GAN engine and writes samples, metrics.csv, checkpoints and config.json under --out.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTrainEnv } from '../config/env.js';
import { shellQuote } from '../contract/run-directory.js';
import { initBackend, type BackendInfo } from '../gan/backend.js';
import { describeDataset, type Dataset } from '../gan/datasets/index.js';
import { BuiltinSource } from '../gan/datasets/sources.js';
import { GanTrainer, type IterationMetrics } from '../gan/trainer.js';
import type { TrainConfig } from '../gan/train-config.js';
import { formatLogLine, type LogLineMetrics } from './log-line.js';
import { createProgressDisplay } from './progress-display.js';
import {
  MetricsCsvWriter,
  checkpointDir,
  cleanTempCheckpoints,
  findLatestCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  writeSample,
} from './run-dir.js';
import { TRAIN_USAGE, parseTrainArgs } from './train-args.js';
import { CliError, reportFailure } from './cli-failure.js';

const PROG = 'ganforge-train';
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

async function main(argv: string[]): Promise<number> {
  const args = parseTrainArgs(argv);
  if (args.help) {
    process.stdout.write(TRAIN_USAGE);
    return 0;
  }
  const { config, out, resume, logEvery } = args;
  const env = loadTrainEnv();
  // --backend wins; left at auto, GANFORGE_BACKEND (as the tests and CI set it) may name one.
  const backendPreference = args.backend !== 'auto' ? args.backend : env.GANFORGE_BACKEND;

  await mkdir(out, { recursive: true });
  await cleanTempCheckpoints(out);
  const latest = await findLatestCheckpoint(out);
  if (latest && !resume) {
    throw new CliError(
      `${out} already holds a checkpoint (iteration ${latest.iteration}); add --resume to continue it, or choose another --out`,
    );
  }
  if (resume && !latest) throw new CliError(`--resume: no checkpoint found in ${out}; drop --resume to start a new run`);
  const start = latest?.iteration ?? 0;

  const backend = await initBackend(backendPreference, { blasThreads: env.GANFORGE_BLAS_THREADS }).catch((err: Error) => {
    throw new CliError(err.message);
  });
  // Built-ins only: an uploaded dataset lives in the service's artifact store.
  const dataset = await new BuiltinSource(env).load(config.dataset);
  printStartup(backend, dataset, config, out, latest);

  const checkpoint = latest ? await readCheckpoint(latest.dir) : undefined;
  const trainer = await GanTrainer.create({ config, dataset, checkpoint });
  try {
    if (trainer.iteration >= config.iterations) {
      console.log(`nothing to do: the checkpoint is at iteration ${trainer.iteration}; raise --iterations to train further`);
      return 0;
    }
    // Opened only now, so that a checkpoint the engine rejects leaves metrics.csv untouched.
    const metrics = await MetricsCsvWriter.open(out, trainer.model.metrics, { resumeFrom: latest?.iteration });
    try {
      await writeFile(join(out, 'config.json'), runDescription(config, backend, dataset, latest?.iteration));
      return await train(trainer, metrics, { out, start, logEvery, argv, resume });
    } finally {
      await metrics.close();
    }
  } finally {
    trainer.dispose();
  }
}

async function train(
  trainer: GanTrainer,
  metrics: MetricsCsvWriter,
  opts: { out: string; start: number; logEvery: number; argv: string[]; resume: boolean },
): Promise<number> {
  const { out, start, logEvery } = opts;
  const total = trainer.config.iterations;
  const display = createProgressDisplay({ start, total, bar: process.stderr.isTTY === true });
  const controller = new AbortController();
  let stopSignal: StopSignal | undefined;
  const onSignal = (signal: StopSignal) => {
    if (stopSignal !== undefined) {
      display.stop();
      process.stderr.write(`${PROG}: second ${signal}, exiting without saving\n`);
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    stopSignal = signal;
    controller.abort();
    display.log(`${signal}: stopping after the current iteration to save a checkpoint (repeat to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let last: IterationMetrics | undefined;
  let lastLogged = start;
  let lastSaved = start;
  const startedAt = performance.now();
  try {
    const logLine = (m: IterationMetrics) => {
      display.log(formatLogLine(m as LogLineMetrics));
      lastLogged = m.iteration;
    };
    await trainer.run(
      {
        onMetrics(m) {
          last = m;
          metrics.append(m);
          display.tick(m.iteration);
          if (m.iteration % logEvery === 0 || m.iteration === total) logLine(m);
        },
        async onSample({ iteration, png }) {
          await writeSample(out, iteration, png);
          await metrics.flush();
        },
        async onCheckpoint({ iteration, files }) {
          await writeCheckpoint(out, iteration, files, metrics);
          lastSaved = iteration;
        },
      },
      controller.signal,
    );
    if (last && last.iteration !== lastLogged) logLine(last);
    if (stopSignal !== undefined && trainer.iteration > lastSaved) {
      await writeCheckpoint(out, trainer.iteration, await trainer.checkpoint(), metrics);
      lastSaved = trainer.iteration;
    }
  } finally {
    display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const seconds = (performance.now() - startedAt) / 1000;
  const done = trainer.iteration - start;
  console.log(`trained ${done} iterations in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(2)} it/s)`);
  if (stopSignal === undefined) {
    console.log(`done: iteration ${trainer.iteration}; checkpoint in ${checkpointDir(out, lastSaved)}, samples in ${join(out, 'samples')}`);
    return 0;
  }
  if (trainer.iteration === 0) {
    console.log(`stopped by ${stopSignal} before the first iteration; nothing to save`);
  } else {
    const resumeArgs = opts.resume ? opts.argv : [...opts.argv, '--resume'];
    console.log(`stopped by ${stopSignal} at iteration ${trainer.iteration}; checkpoint in ${checkpointDir(out, lastSaved)}`);
    console.log(`resume with: npm run train -- ${resumeArgs.map(shellQuote).join(' ')}`);
  }
  return SIGNAL_EXIT_CODES[stopSignal];
}

function printStartup(
  backend: BackendInfo,
  dataset: Dataset,
  config: TrainConfig,
  out: string,
  latest: { iteration: number; dir: string } | null,
): void {
  const skipped = backend.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  console.log(`backend: ${backend.label} (${backend.provider})${skipped ? ` [skipped ${skipped}]` : ''}`);
  if (backend.blasThreads) console.log(`BLAS threads: ${backend.blasThreads} (GANFORGE_BLAS_THREADS)`);
  console.log(
    `dataset: ${dataset.name}, ${dataset.count} images of ${dataset.height}x${dataset.width}x${dataset.channels}, from ${dataset.source}`,
  );
  console.log(`config: ${Object.entries(config).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  console.log(latest ? `resuming from ${latest.dir} (iteration ${latest.iteration}) in ${out}` : `writing to ${out}`);
}

function runDescription(config: TrainConfig, backend: BackendInfo, dataset: Dataset, resumedFrom?: number): string {
  const description = {
    config,
    backend: { name: backend.label, provider: backend.provider, ...(backend.blasThreads ? { blasThreads: backend.blasThreads } : {}) },
    dataset: describeDataset(dataset),
    resumedFrom: resumedFrom ?? null,
    startedAt: new Date().toISOString(),
  };
  return `${JSON.stringify(description, null, 2)}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportFailure(PROG, err, 'Run with --help for usage.');
  },
);
