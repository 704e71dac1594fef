// A training run directory as the command-line trainer writes and resumes it, and as checkpoint archives lay it out.
import { getModel } from '../gan/models/registry.js';
import type { TrainConfig } from '../gan/train-config.js';
import type { LossPoint } from './job.js';

export const RUN_FILES = {
  checkpoints: 'checkpoints',
  metricsCsv: 'metrics.csv',
  /** What a checkpoint archive adds: the job it came from and how to continue it. */
  jobJson: 'job.json',
} as const;

/** Relative posix path of a checkpoint's directory. */
export const checkpointPath = (iteration: number) => `${RUN_FILES.checkpoints}/${iteration}`;

/** metrics.csv's header: `iteration` and the model's metric names (iteration,dLoss,dAcc,gLoss for gan). */
export const metricsCsvHeader = (names: readonly string[]): string => ['iteration', ...names].join(',');

/** One metrics.csv line, newline included; JavaScript's shortest round-trip form of each number. */
export function metricsCsvRow(p: LossPoint, names: readonly string[]): string {
  return `${p.iteration},${names.map((n) => p[n]).join(',')}\n`;
}

/** A config field's flag name: batchSize -> batch-size (the trainer's and the client's flags alike). */
export const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The trainer's flags that reproduce `config` exactly: one per field of its model's config, in schema order. */
export function trainFlags(config: TrainConfig): string[] {
  const values = config as Record<string, unknown>;
  return Object.keys(getModel(config.model).schema.shape).flatMap((key) => [`--${flagOf(key)}`, String(values[key])]);
}

/** `npm run train -- --resume --out DIR <flags>`, quoted for a POSIX shell. */
export function resumeCommand(outDir: string, config: TrainConfig): string {
  return ['npm', 'run', 'train', '--', '--resume', '--out', outDir, ...trainFlags(config)].map(shellQuote).join(' ');
}

/** `arg` as one word for a POSIX shell, quoted only when it needs to be. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
