// Sample-quality scores: one point per scored checkpoint, the scorer's state for a dataset, and the quality queue's jobs.
import { z } from 'zod';

/** BullMQ queue of the quality work: training a dataset's classifier, scoring a saved checkpoint. */
export const QUALITY_QUEUE_NAME = 'ganforge-quality';

/**
 * What the features come from: `classifier`, a small conv net trained on the dataset's labelled training split;
 * `random-features`, a fixed, seeded, untrained conv net (unlabelled datasets: FD only, a weaker proxy).
 */
export const SCORERS = ['classifier', 'random-features'] as const;
export type ScorerKind = (typeof SCORERS)[number];

const iteration = z.number().int().min(0);

export const qualityPointSchema = z.strictObject({
  /** The checkpoint iteration scored. */
  iteration,
  /** Fréchet distance between the scorer's penultimate features of n generated and n held-out real images (lower is better). */
  fd: z.number().min(0),
  /** Classifier Inception Score of the n generated images (higher is better, at most the class count); null with random features. */
  is: z.number().min(0).nullable(),
  /** Conditional models: the fraction of generated images classified as the label they were drawn for; else null. */
  labelAccuracy: z.number().min(0).max(1).nullable(),
  /** Images generated (and real images compared). */
  n: z.number().int().min(1),
  scorer: z.enum(SCORERS),
  /** Wall-clock seconds the scoring took. */
  seconds: z.number().min(0),
  createdAt: z.iso.datetime(),
});
export type QualityPoint = z.infer<typeof qualityPointSchema>;

/**
 * The scorer of one dataset (by content hash): `pending` (not trained yet; queued), `training`, `ready`, `failed`
 * (reason), `unavailable` (reason: e.g. too few held-out images to score).
 */
export const SCORER_STATES = ['pending', 'training', 'ready', 'failed', 'unavailable'] as const;
export type ScorerState = (typeof SCORER_STATES)[number];

export const scorerStatusSchema = z.strictObject({
  datasetHash: z.string().min(1),
  kind: z.enum(SCORERS),
  state: z.enum(SCORER_STATES),
  /** While training: epochs (or batches) done of total. */
  progress: z.strictObject({ done: z.number().int().min(0), total: z.number().int().min(1) }).nullable(),
  /** The classifier's accuracy on the held-out split it never trained on; null for random features or before ready. */
  heldOutAccuracy: z.number().min(0).max(1).nullable(),
  /** Calibration on real data: FD of real training images vs held-out real images, IS of held-out real images. */
  reference: z.strictObject({ fd: z.number().min(0), is: z.number().min(0).nullable(), n: z.number().int().min(1) }).nullable(),
  reason: z.string().nullable(),
  updatedAt: z.iso.datetime(),
});
export type ScorerStatus = z.infer<typeof scorerStatusSchema>;

/** GET /jobs/{id}/quality: the job's scorer (null before its worker has loaded the dataset) and its points by iteration. */
export const jobQualitySchema = z.strictObject({
  jobId: z.string(),
  scorer: scorerStatusSchema.nullable(),
  points: z.array(qualityPointSchema),
});
export type JobQuality = z.infer<typeof jobQualitySchema>;

/** Quality queue payloads. `classifier`: train the scorer of a dataset; `score`: score a job's saved checkpoint. */
export type QualityJobData =
  | { kind: 'classifier'; dataset: string; datasetHash: string }
  | { kind: 'score'; jobId: string; iteration: number };
