// The job contract shared by the API and the worker: spec, status, the record kept in Redis, and the queue payload.
import { z } from 'zod';
import { trainConfigSchema } from '../gan/train-config.js';
import { displayNameSchema } from './text.js';

export const QUEUE_NAME = 'train';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.includes(s);

/** What a client may send to POST /jobs: the engine's hyperparameters plus a display name; all optional. */
export const jobSpecSchema = trainConfigSchema.extend({
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
}).strict();
export type JobSpecInput = z.input<typeof jobSpecSchema>;
export type JobSpec = z.infer<typeof jobSpecSchema>;

/** Job ids are UUID v4: 122 random bits, the only thing between a stranger and someone's samples. */
export const jobIdSchema = z.uuid({ version: 'v4' });

/** The queue payload: the id (our record holds the rest) and the spec, so a worker never trains a spec it did not get. */
export interface TrainJobData {
  jobId: string;
  spec: JobSpec;
}

export interface LossPoint {
  iteration: number;
  dLoss: number;
  dAcc: number;
  gLoss: number;
}

export interface JobRecord {
  id: string;
  name: string;
  status: JobStatus;
  spec: JobSpec;
  /** Completed iterations. */
  iteration: number;
  itPerSec: number | null;
  latest: Omit<LossPoint, 'iteration'> | null;
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
export const JOB_EVENTS = ['progress', 'metrics', 'sample', 'checkpoint', 'status'] as const;
export type JobEventName = (typeof JOB_EVENTS)[number];
