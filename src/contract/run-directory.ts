// A training run directory as the command-line trainer writes and resumes it, and as checkpoint archives lay it out.
import { trainConfigSchema, type TrainConfig } from '../gan/train-config.js';
import type { LossPoint } from './job.js';

export const RUN_FILES = {
  checkpoints: 'checkpoints',
  metricsCsv: 'metrics.csv',
  /** What a checkpoint archive adds: the job it came from and how to continue it. */
  jobJson: 'job.json',
} as const;

/** Relative posix path of a checkpoint's directory. */
export const checkpointPath = (iteration: number) => `${RUN_FILES.checkpoints}/${iteration}`;

export const METRICS_CSV_HEADER = 'iteration,dLoss,dAcc,gLoss';

/** One metrics.csv line, newline included; JavaScript's shortest round-trip form of each number. */
export function metricsCsvRow(p: LossPoint): string {
  return `${p.iteration},${p.dLoss},${p.dAcc},${p.gLoss}\n`;
}

/** A config field's flag name: batchSize -> batch-size (the trainer's and the client's flags alike). */
export const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The trainer's flags that reproduce `config` exactly: one per field of the engine's config, in schema order. */
export function trainFlags(config: TrainConfig): string[] {
  return Object.keys(trainConfigSchema.shape).flatMap((key) => [`--${flagOf(key)}`, String(config[key as keyof TrainConfig])]);
}

/** `npm run train -- --resume --out DIR <flags>`, quoted for a POSIX shell. */
export function resumeCommand(outDir: string, config: TrainConfig): string {
  return ['npm', 'run', 'train', '--', '--resume', '--out', outDir, ...trainFlags(config)].map(shellQuote).join(' ');
}

/** `arg` as one word for a POSIX shell, quoted only when it needs to be. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
