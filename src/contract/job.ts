// The job contract shared by the API and the worker: spec, status, the record kept in Redis, and the queue payload.
import { z } from 'zod';
import { getModel } from '../gan/models/registry.js';
import { trainConfigSchema } from '../gan/train-config.js';
import { displayNameSchema } from './text.js';

export const QUEUE_NAME = 'train';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.includes(s);

/** Fields of a job that are not the engine's: a display name and checkpoint retention. */
const jobFields = {
  name: displayNameSchema.max(200).optional(),
  keepCheckpoints: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .describe(
      'Keep only the newest N checkpoints: older ones are deleted as new ones are written. Unset: the API records ' +
        'GANFORGE_DEFAULT_KEEP_CHECKPOINTS (5). One checkpoint of model gan holds both networks and both Adam states, about 24 MB.',
    ),
};

/** Each member of a union of objects, extended with the same fields. */
export type Extended<T extends readonly z.ZodObject[], E extends z.ZodRawShape> = {
  -readonly [K in keyof T]: T[K] extends z.ZodObject<infer S, infer C> ? z.ZodObject<z.util.Extend<S, E>, C> : never;
};
export function extendEach<T extends readonly z.ZodObject[], E extends z.ZodRawShape>(options: T, fields: E): Extended<T, E> {
  return options.map((o) => o.extend(fields)) as unknown as Extended<T, E>;
}

/** What a client may send to POST /jobs: one model's hyperparameters (keyed by `model`, default gan) plus job fields. */
export const jobSpecSchema = z.discriminatedUnion('model', extendEach(trainConfigSchema.options, jobFields));
export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type JobSpec = z.infer<typeof jobSpecSchema>;

/** Job ids are UUID v4: 122 random bits, the only thing between a stranger and someone's samples. */
export const jobIdSchema = z.uuid({ version: 'v4' });

/** The queue payload: the id (our record holds the rest) and the spec, so a worker never trains a spec it did not get. */
export interface TrainJobData {
  jobId: string;
  spec: JobSpec;
}

/** One iteration's numbers, named by its model's metrics (metricNames). */
export type LossPoint = { iteration: number } & Record<string, number>;

/** The metric names of a model, in the order they are stored and written as CSV columns. */
export function metricNames(model: string): readonly string[] {
  return getModel(model).metrics;
}

export interface JobRecord {
  id: string;
  name: string;
  status: JobStatus;
  spec: JobSpec;
  /** Completed iterations. */
  iteration: number;
  itPerSec: number | null;
  latest: Record<string, number> | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  backend: string | null;
  dataset: { name: string; source: string; count: number } | null;
  cancelRequested: boolean;
  /** Sequence number used for newest-first listing and cursors. */
  seq: number;
  /** The project the job belongs to: only keys of this project see it. Absent on records older than projects. */
  project?: string;
  /** Who created it: an API key id, `admin-token` or `open`. */
  createdBy?: string;
  /** Bytes its samples and checkpoints take in the artifact store (counted by the artifact index). */
  storedBytes?: number;
}

export interface SampleRecord {
  id: string;
  jobId: string;
  iteration: number;
  createdAt: string;
  key: string;
  size: number;
  etag: string;
}

export interface CheckpointRecord {
  iteration: number;
  size: number;
  createdAt: string;
  /** Artifact key prefix of the checkpoint's files. */
  prefix: string;
  files: string[];
}

/** Event names on a job's event stream (and over SSE). */
export const JOB_EVENTS = ['progress', 'metrics', 'sample', 'checkpoint', 'quality', 'status'] as const;
export type JobEventName = (typeof JOB_EVENTS)[number];
