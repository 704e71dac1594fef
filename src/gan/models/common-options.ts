// The options every model takes (data, schedule, seed, grid), their limits, and the Adam options of the Keras-GAN models.
import { z } from 'zod';

export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** [height, width, channels] of each built-in dataset: what the API checks a model against before a worker loads it. */
export const DATASET_SHAPES: Record<DatasetName, [number, number, number]> = {
  mnist: [28, 28, 1],
  'fashion-mnist': [28, 28, 1],
};

/** Class names of each built-in dataset, by label. */
export const DATASET_CLASSES: Record<DatasetName, string[]> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** [height, width, channels]. */
export type ImageShape = [number, number, number];

/** A built-in name or an uploaded dataset's id (UUID v4); what the engine's data sources load by reference. */
export const datasetRefSchema = z
  .union([z.enum(DATASET_NAMES), z.uuid({ version: 'v4' })])
  .describe(`A built-in dataset (${DATASET_NAMES.join(', ')}) or the id of an uploaded dataset of the same project (POST /datasets)`);

export const LIMITS = {
  iterations: { min: 1, max: 1_000_000 },
  batchSize: { min: 1, max: 1024 },
  latentDim: { min: 1, max: 1024 },
  sampleGrid: { min: 1, max: 10 },
} as const;

/** Fields of every model's config, in the order flags and schemas list them (after `model`). */
export const commonOptions = {
  dataset: datasetRefSchema.default('mnist'),
  iterations: z.number().int().min(LIMITS.iterations.min).max(LIMITS.iterations.max).default(30_000),
  batchSize: z.number().int().min(LIMITS.batchSize.min).max(LIMITS.batchSize.max).default(128),
  latentDim: z.number().int().min(LIMITS.latentDim.min).max(LIMITS.latentDim.max).default(100),
};

/** Fields that do not shape the training trajectory: a checkpoint resumes a run that differs only in these. */
export const scheduleOptions = {
  sampleInterval: z.number().int().min(1).max(LIMITS.iterations.max).default(200),
  checkpointInterval: z.number().int().min(1).max(LIMITS.iterations.max).default(1000),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  sampleGrid: z.number().int().min(LIMITS.sampleGrid.min).max(LIMITS.sampleGrid.max).default(5),
};
export const NON_TRAJECTORY_FIELDS = ['iterations', 'sampleInterval', 'checkpointInterval', 'sampleGrid'] as const;

/** Adam(0.0002, 0.5) as in Keras-GAN gan.py, dcgan.py, cgan.py and lsgan.py. */
export const adamOptions = {
  learningRate: z.number().gt(0).max(1).default(0.0002),
  beta1: z.number().min(0).lt(1).default(0.5),
  beta2: z.number().min(0).lt(1).default(0.999),
};

/** The critic loop of wgan.py and wgan_gp.py: RMSprop(0.00005), 5 critic steps per generator step. */
export const criticOptions = {
  learningRate: z.number().gt(0).max(1).default(0.00005).describe('RMSprop learning rate'),
  nCritic: z.number().int().min(1).max(100).default(5).describe('Critic steps per generator step'),
};

/** One model's config schema: `model` first, then its own options between the common and the schedule fields. */
export function modelConfigSchema<N extends string, S extends z.ZodRawShape>(name: N, options: S) {
  return z.object({ model: z.literal(name), ...commonOptions, ...options, ...scheduleOptions }).strict();
}

/** The same for the default model, whose `model` may be left out (every job before there were several models). */
export function defaultModelConfigSchema<N extends string, S extends z.ZodRawShape>(name: N, options: S) {
  return z.object({ model: z.literal(name).default(name), ...commonOptions, ...options, ...scheduleOptions }).strict();
}
