// The classic MLP GAN of Keras-GAN's gan/gan.py: Dense 256-512-1024 generator, Dense 512-256-1 discriminator.
import * as tf from '@tensorflow/tfjs';
import type { GanModels, ModelBuildOptions } from './registry.js';

// Keras' BatchNormalization(momentum=0.8): tfjs defaults to 0.99, so it is set explicitly.
const BN_MOMENTUM = 0.8;
const LEAK = 0.2;

/** Seeds for the glorot initialisers, so that one seed gives one set of initial weights. */
function initializer(seed: number, layer: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: seed * 1000 + layer });
}

export function buildClassicGan({ latentDim, imageShape, seed }: ModelBuildOptions): GanModels {
  const pixels = imageShape.reduce((a, b) => a * b, 1);

  const generator = tf.sequential({ name: 'generator' });
  let layer = 0;
  for (const units of [256, 512, 1024]) {
    layer++;
    generator.add(
      tf.layers.dense({
        name: `g_dense${layer}`,
        units,
        kernelInitializer: initializer(seed, layer),
        ...(layer === 1 ? { inputShape: [latentDim] } : {}),
      }),
    );
    generator.add(tf.layers.leakyReLU({ name: `g_leaky${layer}`, alpha: LEAK }));
    generator.add(tf.layers.batchNormalization({ name: `g_bn${layer}`, momentum: BN_MOMENTUM }));
  }
  generator.add(
    tf.layers.dense({ name: 'g_out', units: pixels, activation: 'tanh', kernelInitializer: initializer(seed, 4) }),
  );
  generator.add(tf.layers.reshape({ name: 'g_image', targetShape: imageShape }));

  const discriminator = tf.sequential({ name: 'discriminator' });
  discriminator.add(tf.layers.flatten({ name: 'd_flatten', inputShape: imageShape }));
  layer = 10;
  for (const units of [512, 256]) {
    layer++;
    discriminator.add(tf.layers.dense({ name: `d_dense${layer - 10}`, units, kernelInitializer: initializer(seed, layer) }));
    discriminator.add(tf.layers.leakyReLU({ name: `d_leaky${layer - 10}`, alpha: LEAK }));
  }
  discriminator.add(
    tf.layers.dense({ name: 'd_out', units: 1, activation: 'sigmoid', kernelInitializer: initializer(seed, 13) }),
  );

  return { generator, discriminator };
}
