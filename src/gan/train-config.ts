// The hyperparameters of one training run: one zod schema, shared by the engine, the CLI and the job API.
import { z } from 'zod';

export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const MODEL_NAMES = ['gan'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const LIMITS = {
  iterations: { min: 1, max: 1_000_000 },
  batchSize: { min: 1, max: 1024 },
  latentDim: { min: 1, max: 1024 },
  sampleGrid: { min: 1, max: 10 },
} as const;

/** Engine hyperparameters with the defaults of Keras-GAN's gan.py (iterations default to the job service's 30,000). */
export const trainConfigSchema = z
  .object({
    model: z.enum(MODEL_NAMES).default('gan'),
    dataset: z.enum(DATASET_NAMES).default('mnist'),
    iterations: z.number().int().min(LIMITS.iterations.min).max(LIMITS.iterations.max).default(30_000),
    batchSize: z.number().int().min(LIMITS.batchSize.min).max(LIMITS.batchSize.max).default(128),
    latentDim: z.number().int().min(LIMITS.latentDim.min).max(LIMITS.latentDim.max).default(100),
    learningRate: z.number().gt(0).max(1).default(0.0002),
    beta1: z.number().min(0).lt(1).default(0.5),
    beta2: z.number().min(0).lt(1).default(0.999),
    sampleInterval: z.number().int().min(1).max(LIMITS.iterations.max).default(200),
    checkpointInterval: z.number().int().min(1).max(LIMITS.iterations.max).default(1000),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    sampleGrid: z.number().int().min(LIMITS.sampleGrid.min).max(LIMITS.sampleGrid.max).default(5),
  })
  .strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export function trainConfig(input: TrainConfigInput = {}): TrainConfig {
  return trainConfigSchema.parse(input);
}
