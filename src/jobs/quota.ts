// Per-project quotas shared by the API (refuses up front) and the worker (stops what the API could not foresee):
// the limits, a job's estimated footprint, and the error a worker fails a job with.
import type { Env } from '../config/env.js';
import type * as tf from '@tensorflow/tfjs';
import { AppError } from '../errors.js';
import { getModel } from '../gan/models/registry.js';
import { DATASET_SHAPES, type DatasetName, type ImageShape } from '../gan/train-config.js';
import type { JobSpec } from '../contract/job.js';

export interface QuotaLimits {
  /** Queued + running jobs of a project. */
  activeJobs: number;
  /** iterations x batchSize of one job. */
  jobExamples: number;
  /** Estimated bytes of one job. */
  jobBytes: number;
  /** Bytes a project stores in all. */
  storedBytes: number;
  maxRuntimeSeconds: number;
  /** Bytes a project's uploaded datasets take in all. */
  datasetBytes: number;
  /** Checkpoints kept when a spec does not say. */
  defaultKeepCheckpoints: number;
}

export const quotaLimits = (env: Env): QuotaLimits => ({
  activeJobs: env.GANFORGE_QUOTA_ACTIVE_JOBS,
  jobExamples: env.GANFORGE_QUOTA_JOB_EXAMPLES,
  jobBytes: env.GANFORGE_QUOTA_JOB_BYTES,
  storedBytes: env.GANFORGE_QUOTA_STORED_BYTES,
  maxRuntimeSeconds: env.GANFORGE_QUOTA_MAX_RUNTIME_SECONDS,
  datasetBytes: env.GANFORGE_QUOTA_DATASET_BYTES,
  defaultKeepCheckpoints: env.GANFORGE_DEFAULT_KEEP_CHECKPOINTS,
});

const checkpointSizes = new Map<string, number>();

/**
 * Bytes of one checkpoint of the spec's model: both networks' float32 weights (BatchNorm statistics too) and two
 * optimizer slots per trainable weight (Adam's moments; RMSprop keeps two as well), counted from the model itself,
 * built once per model, latent size and image shape. 24.3 MB for gan at latentDim 100, what a real checkpoint measures.
 */
export function checkpointBytes(spec: Pick<JobSpec, 'model' | 'latentDim' | 'dataset'>, imageShape?: ImageShape): number {
  const shape = imageShape ?? DATASET_SHAPES[spec.dataset as DatasetName];
  if (!shape) throw new Error(`checkpointBytes: the shape of dataset ${spec.dataset} must be given`);
  const key = `${spec.model}:${spec.latentDim}:${shape.join('x')}`;
  let bytes = checkpointSizes.get(key);
  if (bytes === undefined) {
    const model = getModel(spec.model);
    const config = model.schema.parse({ model: spec.model, latentDim: spec.latentDim, dataset: spec.dataset });
    const built = model.create({ config, imageShape: shape, numClasses: 10 });
    try {
      const count = (weights: tf.LayerVariable[]) => weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
      const nets = [built.generator, built.discriminator];
      const all = nets.reduce((n, m) => n + count(m.weights), 0);
      const trainable = nets.reduce((n, m) => n + count(m.trainableWeights), 0);
      bytes = 4 * (all + 2 * trainable);
    } finally {
      built.dispose();
      built.generator.dispose();
      built.discriminator.dispose();
      for (const o of Object.values(built.optimizers)) o.dispose();
    }
    checkpointSizes.set(key, bytes);
  }
  return bytes;
}

export interface JobFootprint {
  checkpoints: number;
  samples: number;
  metrics: number;
  total: number;
  keptCheckpoints: number;
}

/** What a job will store at most: its kept checkpoints, its sample grids (raw pixels, an upper bound of the PNG) and metrics. */
export function estimateFootprint(spec: JobSpec, imageShape?: ImageShape): JobFootprint {
  const [height, width, channels] = imageShape ?? DATASET_SHAPES[spec.dataset as DatasetName];
  const written = Math.ceil(spec.iterations / spec.checkpointInterval);
  const keptCheckpoints = spec.keepCheckpoints === undefined ? written : Math.min(written, spec.keepCheckpoints);
  const checkpoints = keptCheckpoints * checkpointBytes(spec, [height, width, channels]);
  const samples = Math.ceil(spec.iterations / spec.sampleInterval) * spec.sampleGrid ** 2 * height * width * channels;
  const metrics = 12 * spec.iterations;
  return { checkpoints, samples, metrics, total: checkpoints + samples + metrics, keptCheckpoints };
}

/** A worker refuses to store more for a project over its stored-bytes quota: the job fails with this message. */
export class StoredBytesQuotaError extends AppError {
  readonly code = 'STORED_BYTES_QUOTA_EXCEEDED';
  readonly status = 422;
  readonly retry = 'permanent';
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}
