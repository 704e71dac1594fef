// Model `gan`, the classic MLP GAN of Keras-GAN's gan/gan.py: Dense 256-512-1024 generator, Dense 512-256-1 discriminator.
import * as tf from '@tensorflow/tfjs';
import { adamOptions, defaultModelConfigSchema } from './common-options.js';
import { BN_MOMENTUM, LEAK, glorot, pixelsOf } from './layers.js';
import type { GanModel } from './model.js';
import { STREAM } from '../rng.js';
import { adamGan } from './adam-gan.js';

const schema = defaultModelConfigSchema('gan', adamOptions);

/** G: noise -> Dense 256-512-1024 (LeakyReLU, BN 0.8) -> Dense tanh -> image. */
export function buildMlpGenerator(latentDim: number, imageShape: [number, number, number], seed: number): tf.Sequential {
  const generator = tf.sequential({ name: 'generator' });
  let layer = 0;
  for (const units of [256, 512, 1024]) {
    layer++;
    generator.add(
      tf.layers.dense({
        name: `g_dense${layer}`,
        units,
        kernelInitializer: glorot(seed, layer),
        ...(layer === 1 ? { inputShape: [latentDim] } : {}),
      }),
    );
    generator.add(tf.layers.leakyReLU({ name: `g_leaky${layer}`, alpha: LEAK }));
    generator.add(tf.layers.batchNormalization({ name: `g_bn${layer}`, momentum: BN_MOMENTUM }));
  }
  generator.add(
    tf.layers.dense({ name: 'g_out', units: pixelsOf(imageShape), activation: 'tanh', kernelInitializer: glorot(seed, 4) }),
  );
  generator.add(tf.layers.reshape({ name: 'g_image', targetShape: imageShape }));
  return generator;
}

/** D: image -> flatten -> Dense 512-256 (LeakyReLU) -> Dense 1, sigmoid (gan.py) or linear (lsgan.py). */
export function buildMlpDiscriminator(imageShape: [number, number, number], seed: number, activation: 'sigmoid' | 'linear'): tf.Sequential {
  const discriminator = tf.sequential({ name: 'discriminator' });
  discriminator.add(tf.layers.flatten({ name: 'd_flatten', inputShape: imageShape }));
  let layer = 10;
  for (const units of [512, 256]) {
    layer++;
    discriminator.add(tf.layers.dense({ name: `d_dense${layer - 10}`, units, kernelInitializer: glorot(seed, layer) }));
    discriminator.add(tf.layers.leakyReLU({ name: `d_leaky${layer - 10}`, alpha: LEAK }));
  }
  discriminator.add(tf.layers.dense({ name: 'd_out', units: 1, activation, kernelInitializer: glorot(seed, 13) }));
  return discriminator;
}

export const gan: GanModel<'gan', typeof schema> = {
  name: 'gan',
  description: 'Classic MLP GAN (Keras-GAN gan/gan.py): G Dense 256-512-1024 + BN(0.8), D Dense 512-256-1',
  schema,
  metrics: ['dLoss', 'dAcc', 'gLoss'],
  conditional: false,
  imageShapeError: () => null,
  gridLayout: (side) => ({ rows: side, cols: side }),
  create({ config, imageShape }) {
    const generator = buildMlpGenerator(config.latentDim, imageShape, config.seed);
    const discriminator = buildMlpDiscriminator(imageShape, config.seed, 'sigmoid');
    return adamGan(
      config,
      generator,
      discriminator,
      // gan.py draws fresh noise for G's step.
      (draw, n) => ({ real: [draw.real(n, STREAM.batch).images], fakeFrom: [draw.noise(n, STREAM.noiseD)], fakeWith: [], gFrom: [draw.noise(n, STREAM.noiseG)], gWith: [] }),
      () => ({ loss: 'bce', skipInputGradientOf: discriminator.trainableWeights[0]!.read() }),
    );
  },
};
