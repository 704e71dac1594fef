// The hyperparameters of one training run: a zod union keyed by `model`, shared by the engine, the CLI and the job API.
import { z } from 'zod';
import { MODELS, MODEL_SCHEMAS } from './models/registry.js';

export { DATASET_CLASSES, DATASET_NAMES, DATASET_SHAPES, LIMITS, type ImageShape, NON_TRAJECTORY_FIELDS, type DatasetName } from './models/common-options.js';
export { MODEL_NAMES, type ModelName } from './models/registry.js';

/** Each model's own fields and defaults (Keras-GAN's for its model; iterations default to the job service's 30,000). */
export const trainConfigSchema = z.discriminatedUnion('model', [...MODEL_SCHEMAS]);

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export function trainConfig(input: TrainConfigInput = {}): TrainConfig {
  return trainConfigSchema.parse(input);
}

/** Every field name any model accepts, `model` first, in schema order. */
export const CONFIG_FIELDS: string[] = [...new Set(MODELS.flatMap((m) => Object.keys(m.schema.shape)))];
