// Models by name: each entry builds a generator and a discriminator for a latent size and image shape.
import type * as tf from '@tensorflow/tfjs';
import { buildClassicGan } from './classic-gan.js';
import type { ModelName } from '../train-config.js';

export interface ModelBuildOptions {
  latentDim: number;
  /** [height, width, channels] */
  imageShape: [number, number, number];
  /** Seeds the weight initialisers. */
  seed: number;
}

export interface GanModels {
  /** latent [batch, latentDim] -> image [batch, h, w, c] in [-1, 1] */
  generator: tf.Sequential;
  /** image -> probability that it is real, [batch, 1] */
  discriminator: tf.Sequential;
}

export interface ModelEntry {
  name: ModelName;
  description: string;
  build(options: ModelBuildOptions): GanModels;
}

const MODELS: Record<ModelName, ModelEntry> = {
  gan: {
    name: 'gan',
    description: "Classic MLP GAN (Keras-GAN gan/gan.py): G Dense 256-512-1024 + BN(0.8), D Dense 512-256-1",
    build: buildClassicGan,
  },
};

export function getModel(name: ModelName): ModelEntry {
  const entry = MODELS[name];
  if (!entry) throw new Error(`unknown model "${name}"; known: ${Object.keys(MODELS).join(', ')}`);
  return entry;
}
