// Model `dcgan`, Keras-GAN's dcgan/dcgan.py: an upsampling conv generator and a strided conv discriminator with dropout.
import * as tf from '@tensorflow/tfjs';
import { adamOptions, modelConfigSchema } from './common-options.js';
import { BN_MOMENTUM, LEAK, glorot, quarterSizeError } from './layers.js';
import type { GanModel } from './model.js';
import { STREAM } from '../rng.js';
import { reseedDropout } from '../train-step.js';
import { adamGan } from './adam-gan.js';

const schema = modelConfigSchema('dcgan', adamOptions);

/** G: Dense 128*(h/4)*(w/4) relu -> reshape -> [up -> conv k3 -> BN -> relu] x2 (128, 64) -> conv C k3 -> tanh. */
function buildGenerator(latentDim: number, [h, w, c]: [number, number, number], seed: number): tf.Sequential {
  const g = tf.sequential({ name: 'generator' });
  g.add(tf.layers.dense({ name: 'g_dense', units: 128 * (h / 4) * (w / 4), activation: 'relu', inputShape: [latentDim], kernelInitializer: glorot(seed, 1) }));
  g.add(tf.layers.reshape({ name: 'g_reshape', targetShape: [h / 4, w / 4, 128] }));
  let layer = 1;
  for (const filters of [128, 64]) {
    layer++;
    g.add(tf.layers.upSampling2d({ name: `g_up${layer - 1}` }));
    g.add(tf.layers.conv2d({ name: `g_conv${layer - 1}`, filters, kernelSize: 3, padding: 'same', kernelInitializer: glorot(seed, layer) }));
    g.add(tf.layers.batchNormalization({ name: `g_bn${layer - 1}`, momentum: BN_MOMENTUM }));
    g.add(tf.layers.activation({ name: `g_relu${layer - 1}`, activation: 'relu' }));
  }
  g.add(tf.layers.conv2d({ name: 'g_out', filters: c, kernelSize: 3, padding: 'same', kernelInitializer: glorot(seed, 4) }));
  g.add(tf.layers.activation({ name: 'g_tanh', activation: 'tanh' }));
  return g;
}

/** D: conv 32 s2 -> conv 64 s2 -> pad ((0,1),(0,1)) -> BN -> conv 128 s2 -> BN -> conv 256 s1 -> BN -> Dense 1 sigmoid. */
function buildDiscriminator(imageShape: [number, number, number], seed: number): tf.Sequential {
  const d = tf.sequential({ name: 'discriminator' });
  const block = (i: number, filters: number, strides: number, pad: boolean, bn: boolean) => {
    d.add(
      tf.layers.conv2d({
        name: `d_conv${i}`,
        filters,
        kernelSize: 3,
        strides,
        padding: 'same',
        kernelInitializer: glorot(seed, 10 + i),
        ...(i === 1 ? { inputShape: imageShape } : {}),
      }),
    );
    if (pad) d.add(tf.layers.zeroPadding2d({ name: `d_pad${i}`, padding: [[0, 1], [0, 1]] }));
    if (bn) d.add(tf.layers.batchNormalization({ name: `d_bn${i}`, momentum: BN_MOMENTUM }));
    d.add(tf.layers.leakyReLU({ name: `d_leaky${i}`, alpha: LEAK }));
    d.add(tf.layers.dropout({ name: `d_drop${i}`, rate: 0.25 }));
  };
  block(1, 32, 2, false, false);
  block(2, 64, 2, true, true);
  block(3, 128, 2, false, true);
  block(4, 256, 1, false, true);
  d.add(tf.layers.flatten({ name: 'd_flatten' }));
  d.add(tf.layers.dense({ name: 'd_out', units: 1, activation: 'sigmoid', kernelInitializer: glorot(seed, 15) }));
  return d;
}

export const dcgan: GanModel<'dcgan', typeof schema> = {
  name: 'dcgan',
  description: 'Deep convolutional GAN (Keras-GAN dcgan/dcgan.py): upsampling conv G with BN(0.8), strided conv D with dropout',
  schema,
  metrics: ['dLoss', 'dAcc', 'gLoss'],
  conditional: false,
  imageShapeError: quarterSizeError,
  gridLayout: (side) => ({ rows: side, cols: side }),
  create({ config, imageShape }) {
    const generator = buildGenerator(config.latentDim, imageShape, config.seed);
    const discriminator = buildDiscriminator(imageShape, config.seed);
    return adamGan(
      config,
      generator,
      discriminator,
      // dcgan.py trains G on the noise its fakes came from.
      (draw, n) => {
        const noise = draw.noise(n, STREAM.noiseD);
        return { real: [draw.real(n, STREAM.batch).images], fakeFrom: [noise], fakeWith: [], gFrom: [noise], gWith: [] };
      },
      (draw) => ({ loss: 'bce', beforeDiscriminator: (call) => reseedDropout(discriminator, draw.seed(call)) }),
    );
  },
};
