// Model `wgan`, Keras-GAN's wgan/wgan.py: a linear critic with weight clipping, RMSprop, 5 critic steps per G step.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { criticOptions, modelConfigSchema } from './common-options.js';
import { BN_MOMENTUM, LEAK, glorot, quarterSizeError } from './layers.js';
import type { Draws, GanModel } from './model.js';
import { STREAM, criticStream } from '../rng.js';
import { reseedDropout, trainableVariables } from '../train-step.js';

const schema = modelConfigSchema('wgan', {
  ...criticOptions,
  clipValue: z.number().gt(0).max(1).default(0.01).describe('Every critic weight is clipped to [-clipValue, clipValue]'),
});

/** G of wgan.py and wgan_gp.py: Dense relu -> reshape -> [up -> conv k4 -> BN -> relu] x2 (128, 64) -> conv C k4 -> tanh. */
export function buildCriticGenerator(latentDim: number, [h, w, c]: [number, number, number], seed: number): tf.Sequential {
  const g = tf.sequential({ name: 'generator' });
  g.add(tf.layers.dense({ name: 'g_dense', units: 128 * (h / 4) * (w / 4), activation: 'relu', inputShape: [latentDim], kernelInitializer: glorot(seed, 1) }));
  g.add(tf.layers.reshape({ name: 'g_reshape', targetShape: [h / 4, w / 4, 128] }));
  [128, 64].forEach((filters, i) => {
    g.add(tf.layers.upSampling2d({ name: `g_up${i + 1}` }));
    g.add(tf.layers.conv2d({ name: `g_conv${i + 1}`, filters, kernelSize: 4, padding: 'same', kernelInitializer: glorot(seed, i + 2) }));
    g.add(tf.layers.batchNormalization({ name: `g_bn${i + 1}`, momentum: BN_MOMENTUM }));
    g.add(tf.layers.activation({ name: `g_relu${i + 1}`, activation: 'relu' }));
  });
  g.add(tf.layers.conv2d({ name: 'g_out', filters: c, kernelSize: 4, padding: 'same', kernelInitializer: glorot(seed, 4) }));
  g.add(tf.layers.activation({ name: 'g_tanh', activation: 'tanh' }));
  return g;
}

/** The critic: conv 16 s2 -> conv 32 s2 -> pad -> BN -> conv 64 s2 -> BN -> conv 128 s1 -> BN (LeakyReLU, dropout 0.25) -> Dense 1. */
export function buildCritic(imageShape: [number, number, number], seed: number): tf.Sequential {
  const d = tf.sequential({ name: 'discriminator' });
  [16, 32, 64, 128].forEach((filters, j) => {
    const i = j + 1;
    d.add(
      tf.layers.conv2d({
        name: `d_conv${i}`,
        filters,
        kernelSize: 3,
        strides: i < 4 ? 2 : 1,
        padding: 'same',
        kernelInitializer: glorot(seed, 10 + i),
        ...(i === 1 ? { inputShape: imageShape } : {}),
      }),
    );
    if (i === 2) d.add(tf.layers.zeroPadding2d({ name: `d_pad${i}`, padding: [[0, 1], [0, 1]] }));
    if (i > 1) d.add(tf.layers.batchNormalization({ name: `d_bn${i}`, momentum: BN_MOMENTUM }));
    d.add(tf.layers.leakyReLU({ name: `d_leaky${i}`, alpha: LEAK }));
    d.add(tf.layers.dropout({ name: `d_drop${i}`, rate: 0.25 }));
  });
  d.add(tf.layers.flatten({ name: 'd_flatten' }));
  d.add(tf.layers.dense({ name: 'd_out', units: 1, kernelInitializer: glorot(seed, 15) }));
  return d;
}

/** The critic's scores in training mode (dropout on, masks seeded by the draw's stream `call`), as train_on_batch runs it. */
export function scorer(critic: tf.LayersModel, draw: Draws): (images: tf.Tensor, call: number) => tf.Tensor {
  return (images, call) => {
    reseedDropout(critic, draw.seed(call));
    return critic.apply(images, { training: true }) as tf.Tensor;
  };
}

/** Keras-GAN's wasserstein_loss: mean(y_true * y_pred), with -1 for real and 1 for fake. */
export const wassersteinLoss = (sign: number, scores: tf.Tensor): tf.Scalar => tf.mean(tf.mul(scores, sign));

export const wgan: GanModel<'wgan', typeof schema> = {
  name: 'wgan',
  description: 'Wasserstein GAN (Keras-GAN wgan/wgan.py): conv critic with weight clipping, RMSprop, n critic steps per G step',
  schema,
  metrics: ['dLoss', 'gLoss'],
  conditional: false,
  imageShapeError: quarterSizeError,
  gridLayout: (side) => ({ rows: side, cols: side }),
  create({ config, imageShape }) {
    const generator = buildCriticGenerator(config.latentDim, imageShape, config.seed);
    const critic = buildCritic(imageShape, config.seed);
    const dOptimizer = tf.train.rmsprop(config.learningRate);
    const gOptimizer = tf.train.rmsprop(config.learningRate);
    const n = config.batchSize;
    const c = config.clipValue;
    return {
      generator,
      discriminator: critic,
      optimizers: { d: dOptimizer, g: gOptimizer },
      step(draw) {
        const cVars = trainableVariables(critic);
        const gVars = trainableVariables(generator);
        const score = scorer(critic, draw);
        const out = tf.tidy(() => {
          let noise!: tf.Tensor2D;
          let dReal!: tf.Scalar;
          let dFake!: tf.Scalar;
          for (let k = 0; k < config.nCritic; k++) {
            const real = draw.real(n, criticStream(STREAM.batch, k)).images;
            noise = draw.noise(n, criticStream(STREAM.noiseD, k));
            const fake = generator.apply(noise, { training: false }) as tf.Tensor;
            if (k > 0) tf.dispose([dReal, dFake]);
            dReal = dOptimizer.minimize(() => wassersteinLoss(-1, score(real, 2 * k)), true, cVars)!;
            dFake = dOptimizer.minimize(() => wassersteinLoss(1, score(fake, 2 * k + 1)), true, cVars)!;
            // wgan.py clips every weight of every layer, BatchNorm's moving statistics included.
            for (const w of critic.weights) w.write(tf.clipByValue(w.read(), -c, c));
          }
          // wgan.py trains G on the last critic step's noise.
          const gLoss = gOptimizer.minimize(
            () => wassersteinLoss(-1, score(generator.apply(noise, { training: true }) as tf.Tensor, 2 * config.nCritic)),
            true,
            gVars,
          )!;
          return tf.stack([dReal, dFake, gLoss]);
        });
        try {
          const [real, fake, g] = out.dataSync();
          const values = [0.5 * (real! + fake!), g!];
          return { values, finite: values.every(Number.isFinite) };
        } finally {
          out.dispose();
        }
      },
      dispose: () => {},
    };
  },
};
