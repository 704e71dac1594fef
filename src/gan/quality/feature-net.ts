// The scorer's network: conv32-3x3, maxpool, conv64-3x3, maxpool, dense 128 (the features), dense K softmax; seeded.
import * as tf from '@tensorflow/tfjs';
import { rngFor } from '../rng.js';

/** Size of the penultimate layer: the feature vectors FD compares. */
export const FEATURE_DIM = 128;
/** Images per forward pass when extracting features (bounds memory: ~25 MB of activations at 28x28). */
const FORWARD_BATCH = 500;
/** Streams of the scorer's own counter-based RNG (never the trainer's: its streams are keyed by the job's seed). */
export const QUALITY_STREAM = { split: 101, epoch: 102, noise: 103, trainPick: 104 } as const;

const init = (seed: number, layer: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + 500 + layer });

/** Two outputs: [features (n x 128, ReLU), class probabilities (n x K)]. `classes` 1 for random features (unused head). */
export function buildFeatureNet(imageShape: [number, number, number], classes: number, seed: number): tf.LayersModel {
  const input = tf.input({ shape: imageShape, name: 'q_image' });
  let x = tf.layers.conv2d({ name: 'q_conv1', filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(seed, 1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ name: 'q_pool1', poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ name: 'q_conv2', filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(seed, 2) }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ name: 'q_pool2', poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'q_flatten' }).apply(x) as tf.SymbolicTensor;
  const features = tf.layers.dense({ name: 'q_features', units: FEATURE_DIM, activation: 'relu', kernelInitializer: init(seed, 3) }).apply(x) as tf.SymbolicTensor;
  const probs = tf.layers.dense({ name: 'q_classes', units: classes, activation: 'softmax', kernelInitializer: init(seed, 4) }).apply(features) as tf.SymbolicTensor;
  return tf.model({ name: 'quality_classifier', inputs: input, outputs: [features, probs] });
}

/** A seeded permutation of 0..n-1 (Fisher-Yates on the scorer's RNG). */
export function permutation(n: number, seed: number, iteration: number, stream: number): Int32Array {
  const rand = rngFor(seed, iteration, stream);
  const out = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Called after every batch; the caller throttles. Awaited, so it may also yield to the event loop. */
  onBatch?(done: number, total: number): void | Promise<void>;
}

/**
 * Trains the classifier head and body with Adam on `indices` of `images` (its own seeded batches, no dropout: no draw of
 * tf's global random state, so a training job running beside it in the same process is not disturbed).
 */
export async function trainFeatureNet(
  net: tf.LayersModel,
  images: tf.Tensor4D,
  labels: Uint8Array,
  classes: number,
  indices: Int32Array,
  opts: TrainOptions,
): Promise<void> {
  const optimizer = tf.train.adam(opts.learningRate);
  const perEpoch = Math.ceil(indices.length / opts.batchSize);
  const total = perEpoch * opts.epochs;
  let done = 0;
  try {
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const order = permutation(indices.length, opts.seed, epoch, QUALITY_STREAM.epoch);
      for (let b = 0; b < perEpoch; b++) {
        const batch = order.subarray(b * opts.batchSize, (b + 1) * opts.batchSize).map((i) => indices[i]!);
        const y = Int32Array.from(batch, (i) => labels[i]!);
        tf.tidy(() => {
          const x = tf.gather(images, tf.tensor1d(batch, 'int32'));
          const target = tf.oneHot(tf.tensor1d(y, 'int32'), classes);
          optimizer.minimize(() => {
            const [, probs] = net.apply(x, { training: true }) as tf.Tensor[];
            return tf.mean(tf.neg(tf.sum(tf.mul(target, tf.log(tf.clipByValue(probs!, 1e-7, 1))), -1))) as tf.Scalar;
          });
        });
        done++;
        await opts.onBatch?.(done, total);
      }
    }
  } finally {
    optimizer.dispose();
  }
}

/** Features and probabilities of images produced batch by batch (by `batchOf(start, count)`), n in all. */
export async function forwardBatches(
  net: tf.LayersModel,
  n: number,
  batchOf: (start: number, count: number) => tf.Tensor4D,
  classes: number,
): Promise<{ features: Float32Array; probs: Float32Array }> {
  const features = new Float32Array(n * FEATURE_DIM);
  const probs = new Float32Array(n * classes);
  for (let start = 0; start < n; start += FORWARD_BATCH) {
    const count = Math.min(FORWARD_BATCH, n - start);
    const [f, p] = tf.tidy(() => net.apply(batchOf(start, count), { training: false }) as tf.Tensor[]);
    try {
      features.set(await f!.data(), start * FEATURE_DIM);
      probs.set(await p!.data(), start * classes);
    } finally {
      tf.dispose([f!, p!]);
    }
  }
  return { features, probs };
}
