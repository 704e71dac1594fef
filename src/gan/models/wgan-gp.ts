// Model `wgan-gp`, Keras-GAN's wgan_gp/wgan_gp.py: the WGAN critic trained with a gradient penalty instead of clipping.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { criticOptions, modelConfigSchema } from './common-options.js';
import { quarterSizeError } from './layers.js';
import { installSecondOrderGradients } from './second-order.js';
import type { GanModel } from './model.js';
import { buildCritic, buildCriticGenerator, scorer, wassersteinLoss } from './wgan.js';
import { STREAM, criticStream } from '../rng.js';
import { trainableVariables } from '../train-step.js';

const schema = modelConfigSchema('wgan-gp', {
  ...criticOptions,
  gpWeight: z.number().min(0).max(1000).default(10).describe('Weight of the gradient penalty in the critic loss'),
});

export const wganGp: GanModel<'wgan-gp', typeof schema> = {
  name: 'wgan-gp',
  description: 'WGAN with gradient penalty (Keras-GAN wgan_gp/wgan_gp.py): the WGAN critic with (1 - |grad|)^2 on interpolates, weight 10',
  schema,
  metrics: ['dLoss', 'gLoss', 'gp'],
  conditional: false,
  imageShapeError: quarterSizeError,
  gridLayout: (side) => ({ rows: side, cols: side }),
  create({ config, imageShape }) {
    installSecondOrderGradients();
    const generator = buildCriticGenerator(config.latentDim, imageShape, config.seed);
    const critic = buildCritic(imageShape, config.seed);
    const dOptimizer = tf.train.rmsprop(config.learningRate);
    const gOptimizer = tf.train.rmsprop(config.learningRate);
    const n = config.batchSize;
    return {
      generator,
      discriminator: critic,
      optimizers: { d: dOptimizer, g: gOptimizer },
      step(draw) {
        const cVars = trainableVariables(critic);
        const gVars = trainableVariables(generator);
        const score = scorer(critic, draw);
        let gp: tf.Tensor | undefined;
        const out = tf.tidy(() => {
          let dLoss!: tf.Scalar;
          for (let k = 0; k < config.nCritic; k++) {
            const real = draw.real(n, criticStream(STREAM.batch, k)).images;
            const noise = draw.noise(n, criticStream(STREAM.noiseD, k));
            const alpha = draw.uniform([n, 1, 1, 1], criticStream(STREAM.alpha, k));
            const fake = generator.apply(noise, { training: false }) as tf.Tensor;
            const interpolated = tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake));
            if (k > 0) tf.dispose([dLoss, gp!]);
            dLoss = dOptimizer.minimize(
              () => {
                const wReal = wassersteinLoss(-1, score(real, 3 * k));
                const wFake = wassersteinLoss(1, score(fake, 3 * k + 1));
                // The penalty differentiates the critic's output with respect to its input inside the minimised loss.
                const grads = tf.grad((x: tf.Tensor) => tf.sum(score(x, 3 * k + 2)))(interpolated);
                const norm = tf.sqrt(tf.sum(tf.square(grads), [1, 2, 3]));
                const penalty = tf.mean(tf.square(tf.sub(1, norm)));
                gp = tf.keep(penalty);
                return tf.addN([wReal, wFake, tf.mul(penalty, config.gpWeight)]) as tf.Scalar;
              },
              true,
              cVars,
            )!;
          }
          // wgan_gp.py samples fresh noise for G's step.
          const noise = draw.noise(n, STREAM.noiseG);
          const gLoss = gOptimizer.minimize(
            () => wassersteinLoss(-1, score(generator.apply(noise, { training: true }) as tf.Tensor, 3 * config.nCritic)),
            true,
            gVars,
          )!;
          return tf.stack([dLoss, gLoss, gp!]);
        });
        tf.dispose(gp);
        try {
          const values = Array.from(out.dataSync());
          return { values, finite: values.every(Number.isFinite) };
        } finally {
          out.dispose();
        }
      },
      dispose: () => {},
    };
  },
};
