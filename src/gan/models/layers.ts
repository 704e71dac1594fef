// Seeded initialisers shared by the model modules: one seed gives one set of initial weights.
import * as tf from '@tensorflow/tfjs';

/** Keras' BatchNormalization(momentum=0.8): tfjs defaults to 0.99, so every model sets it explicitly. */
export const BN_MOMENTUM = 0.8;
export const LEAK = 0.2;

/** glorot_uniform (Keras' default for Dense and Conv2D kernels), seeded per layer. */
export function glorot(seed: number, layer: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: seed * 1000 + layer });
}

/** Keras' Embedding default, uniform(-0.05, 0.05), seeded per layer. */
export function embeddingInit(seed: number, layer: number): ReturnType<typeof tf.initializers.randomUniform> {
  return tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed * 1000 + layer });
}

/** The pixel count of an image shape. */
export const pixelsOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Shape check for the conv models: two 2x upsamplings from a quarter-size map. */
export function quarterSizeError([h, w]: [number, number, number]): string | null {
  return h % 4 === 0 && w % 4 === 0 ? null : `needs height and width divisible by 4 (two 2x upsamplings), got ${h}x${w}`;
}
