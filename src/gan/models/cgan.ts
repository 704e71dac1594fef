// Model `cgan`, Keras-GAN's cgan/cgan.py: the MLP GAN conditioned on a class label through embeddings multiplied in.
import * as tf from '@tensorflow/tfjs';
import { adamOptions, modelConfigSchema } from './common-options.js';
import { BN_MOMENTUM, LEAK, embeddingInit, glorot, pixelsOf } from './layers.js';
import type { GanModel } from './model.js';
import { STREAM } from '../rng.js';
import { reseedDropout } from '../train-step.js';
import { adamGan } from './adam-gan.js';

const schema = modelConfigSchema('cgan', adamOptions);

/** G: [noise, label] -> noise * Embedding(classes, latent)(label) -> the MLP of gan.py -> image. */
function buildGenerator(latentDim: number, imageShape: [number, number, number], classes: number, seed: number): tf.LayersModel {
  const noise = tf.input({ name: 'noise', shape: [latentDim] });
  const label = tf.input({ name: 'label', shape: [1], dtype: 'int32' });
  const embedded = tf.layers
    .flatten({ name: 'g_label_flatten' })
    .apply(tf.layers.embedding({ name: 'g_label_embedding', inputDim: classes, outputDim: latentDim, embeddingsInitializer: embeddingInit(seed, 20) }).apply(label));
  let x = tf.layers.multiply({ name: 'g_condition' }).apply([noise, embedded as tf.SymbolicTensor]) as tf.SymbolicTensor;
  let layer = 0;
  for (const units of [256, 512, 1024]) {
    layer++;
    x = tf.layers.dense({ name: `g_dense${layer}`, units, kernelInitializer: glorot(seed, layer) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.leakyReLU({ name: `g_leaky${layer}`, alpha: LEAK }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `g_bn${layer}`, momentum: BN_MOMENTUM }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.dense({ name: 'g_out', units: pixelsOf(imageShape), activation: 'tanh', kernelInitializer: glorot(seed, 4) }).apply(x) as tf.SymbolicTensor;
  const image = tf.layers.reshape({ name: 'g_image', targetShape: imageShape }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name: 'generator', inputs: [noise, label], outputs: image });
}

/** D: [image, label] -> flatten(image) * Embedding(classes, pixels)(label) -> Dense 512 x3 (dropout 0.4 on the last two) -> sigmoid. */
function buildDiscriminator(imageShape: [number, number, number], classes: number, seed: number): tf.LayersModel {
  const image = tf.input({ name: 'image', shape: imageShape });
  const label = tf.input({ name: 'label', shape: [1], dtype: 'int32' });
  const embedded = tf.layers
    .flatten({ name: 'd_label_flatten' })
    .apply(tf.layers.embedding({ name: 'd_label_embedding', inputDim: classes, outputDim: pixelsOf(imageShape), embeddingsInitializer: embeddingInit(seed, 21) }).apply(label));
  const flat = tf.layers.flatten({ name: 'd_flatten' }).apply(image) as tf.SymbolicTensor;
  let x = tf.layers.multiply({ name: 'd_condition' }).apply([flat, embedded as tf.SymbolicTensor]) as tf.SymbolicTensor;
  for (const layer of [1, 2, 3]) {
    x = tf.layers.dense({ name: `d_dense${layer}`, units: 512, kernelInitializer: glorot(seed, 10 + layer) }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.leakyReLU({ name: `d_leaky${layer}`, alpha: LEAK }).apply(x) as tf.SymbolicTensor;
    if (layer > 1) x = tf.layers.dropout({ name: `d_drop${layer}`, rate: 0.4 }).apply(x) as tf.SymbolicTensor;
  }
  const validity = tf.layers.dense({ name: 'd_out', units: 1, activation: 'sigmoid', kernelInitializer: glorot(seed, 14) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ name: 'discriminator', inputs: [image, label], outputs: validity });
}

export const cgan: GanModel<'cgan', typeof schema> = {
  name: 'cgan',
  description: 'Conditional GAN (Keras-GAN cgan/cgan.py): G and D take a class label, embedded and multiplied into their input',
  schema,
  metrics: ['dLoss', 'dAcc', 'gLoss'],
  conditional: true,
  imageShapeError: () => null,
  // One row per class, labelled, `side` samples in each.
  gridLayout: (side, classes) => ({
    rows: classes,
    cols: side,
    labels: Array.from({ length: classes * side }, (_, i) => Math.floor(i / side)),
    rowTitles: Array.from({ length: classes }, (_, c) => String(c)),
  }),
  create({ config, imageShape, numClasses }) {
    const generator = buildGenerator(config.latentDim, imageShape, numClasses, config.seed);
    const discriminator = buildDiscriminator(imageShape, numClasses, config.seed);
    return adamGan(
      config,
      generator,
      discriminator,
      // cgan.py: fakes of the real batch's labels; G's step reuses that noise with freshly sampled labels.
      (draw, n) => {
        const { images, labels } = draw.real(n, STREAM.batch);
        const noise = draw.noise(n, STREAM.noiseD);
        const sampled = draw.classes(n, STREAM.labelsG);
        return { real: [images, labels], fakeFrom: [noise, labels], fakeWith: [labels], gFrom: [noise, sampled], gWith: [sampled] };
      },
      (draw) => ({ loss: 'bce', beforeDiscriminator: (call) => reseedDropout(discriminator, draw.seed(call)) }),
    );
  },
};
