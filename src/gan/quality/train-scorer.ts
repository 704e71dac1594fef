// Builds a dataset's scorer: a seeded held-out split, the classifier trained on the rest (or random features), calibration.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../datasets/dataset.js';
import { isLabelled } from '../datasets/dataset.js';
import { FEATURE_DIM, QUALITY_STREAM, buildFeatureNet, forwardBatches, permutation, trainFeatureNet } from './feature-net.js';
import { featureStats, frechetDistance } from './frechet.js';
import { argmaxRows, inceptionScore } from './inception-score.js';
import { SCORER_FORMAT, Scorer, type ScorerMeta } from './scorer.js';
import { ScorerUnavailableError } from './scorer-unavailable-error.js';
import type { ScorerKind } from '../../contract/quality.js';

/** The share of a dataset the classifier never trains on. */
export const HELD_OUT_FRACTION = 0.2;
/** Fewest held-out images a scorer needs (FD needs a covariance). */
export const MIN_HELD_OUT = 10;

export interface ScorerTraining {
  /** Classifier epochs over the training split. */
  epochs: number;
  /** Images of the calibration (real training vs held-out FD, held-out IS), at most the held-out count. */
  referenceSamples: number;
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  /** After every classifier batch (done of total); awaited. */
  onProgress?(done: number, total: number): void | Promise<void>;
}

/** The number of classes a labelled dataset's labels use (0..max), or 0 for an unlabelled one. */
function labelledClasses(d: Dataset): number {
  if (!isLabelled(d)) return 0;
  let max = 0;
  for (const l of d.labels) if (l > max) max = l;
  return max + 1;
}

/** `classifier` for a dataset with labels of two classes or more; otherwise random features. */
export function scorerKindOf(d: Dataset): ScorerKind {
  return labelledClasses(d) >= 2 ? 'classifier' : 'random-features';
}

export async function trainScorer(dataset: Dataset, datasetHash: string, opts: ScorerTraining): Promise<Scorer> {
  const seed = opts.seed ?? 0;
  const heldOutCount = Math.round(dataset.count * HELD_OUT_FRACTION);
  if (heldOutCount < MIN_HELD_OUT) {
    throw new ScorerUnavailableError(
      `dataset ${dataset.name} has ${dataset.count} images: a held-out split of ${MIN_HELD_OUT} or more (20%) needs ${Math.ceil(MIN_HELD_OUT / HELD_OUT_FRACTION)}`,
    );
  }
  const kind = scorerKindOf(dataset);
  const classes = kind === 'classifier' ? labelledClasses(dataset) : 1;
  const imageShape: [number, number, number] = [dataset.height, dataset.width, dataset.channels];
  const order = permutation(dataset.count, seed, 0, QUALITY_STREAM.split);
  const heldOut = order.slice(0, heldOutCount);
  const train = order.slice(heldOutCount);

  const net = buildFeatureNet(imageShape, classes, seed);
  const images = tf.tensor4d(dataset.images, [dataset.count, ...imageShape]);
  try {
    if (kind === 'classifier') {
      await trainFeatureNet(net, images, dataset.labels, classes, train, {
        epochs: opts.epochs,
        batchSize: opts.batchSize ?? 64,
        learningRate: opts.learningRate ?? 1e-3,
        seed,
        onBatch: opts.onProgress,
      });
    }
    const forward = (indices: Int32Array) =>
      forwardBatches(net, indices.length, (start, count) => tf.gather(images, tf.tensor1d(indices.subarray(start, start + count), 'int32')), classes);
    const real = await forward(heldOut);
    let heldOutAccuracy: number | null = null;
    if (kind === 'classifier') {
      const predicted = argmaxRows(real.probs, classes);
      heldOutAccuracy = predicted.reduce((hits, p, i) => hits + Number(p === dataset.labels[heldOut[i]!]), 0) / heldOut.length;
    }
    // Calibration: held-out real images against as many training images (a seeded pick), as a generator would be.
    const n = Math.max(2, Math.min(opts.referenceSamples, heldOut.length, train.length));
    const pick = permutation(train.length, seed, 0, QUALITY_STREAM.trainPick).subarray(0, n).map((i) => train[i]!);
    const trainFeatures = (await forward(pick)).features;
    const heldOutN = real.features.subarray(0, n * FEATURE_DIM);
    const reference = {
      fd: frechetDistance(featureStats(trainFeatures, FEATURE_DIM), featureStats(heldOutN, FEATURE_DIM)),
      is: kind === 'classifier' ? inceptionScore(real.probs.subarray(0, n * classes), classes) : null,
      n,
    };
    const meta: ScorerMeta = {
      format: SCORER_FORMAT,
      kind,
      datasetHash,
      imageShape,
      classes,
      seed,
      epochs: kind === 'classifier' ? opts.epochs : 0,
      heldOutAccuracy,
      reference,
    };
    return new Scorer(meta, net, heldOut, real.features);
  } catch (err) {
    net.dispose();
    throw err;
  } finally {
    images.dispose();
  }
}
