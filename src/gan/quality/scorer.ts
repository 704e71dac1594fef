// A dataset's scorer: its feature net, held-out split and held-out features; scores a generator by FD, IS and labels.
import * as tf from '@tensorflow/tfjs';
import type { QualityPoint, ScorerKind } from '../../contract/quality.js';
import { normals, rngFor } from '../rng.js';
import { FEATURE_DIM, QUALITY_STREAM, forwardBatches } from './feature-net.js';
import { featureStats, frechetDistance, type FeatureStats } from './frechet.js';
import { inceptionScore, labelAccuracy } from './inception-score.js';

export const SCORER_FORMAT = 'ganforge.scorer/1';
/** The noise of generated images: one fixed seed, so that every checkpoint (of every job) is scored on the same draws. */
export const QUALITY_SEED = 20_240_613;

/** What scorer.json holds: everything but the weights and the held-out arrays. */
export interface ScorerMeta {
  format: typeof SCORER_FORMAT;
  kind: ScorerKind;
  datasetHash: string;
  imageShape: [number, number, number];
  /** Classes of the classifier's head (1 for random features, whose head is unused). */
  classes: number;
  seed: number;
  epochs: number;
  heldOutAccuracy: number | null;
  reference: { fd: number; is: number | null; n: number };
}

/** One scoring's numbers (the caller adds iteration and createdAt). */
export type ScoreResult = Omit<QualityPoint, 'iteration' | 'createdAt'>;

export class Scorer {
  private readonly realStats = new Map<number, FeatureStats>();

  constructor(
    readonly meta: ScorerMeta,
    readonly net: tf.LayersModel,
    /** Dataset indices of the held-out split, in its seeded order. */
    readonly heldOut: Int32Array,
    /** Features of the held-out images (heldOut.length x FEATURE_DIM), computed once. */
    readonly heldOutFeatures: Float32Array,
  ) {}

  /** Stats of the first min(n, held-out) held-out images' features, computed once per n. */
  realStatsFor(n: number): FeatureStats {
    const m = Math.min(n, this.heldOut.length);
    let stats = this.realStats.get(m);
    if (!stats) {
      stats = featureStats(this.heldOutFeatures.subarray(0, m * FEATURE_DIM), FEATURE_DIM);
      this.realStats.set(m, stats);
    }
    return stats;
  }

  /**
   * Scores n images of `generator` (inference mode) against held-out real ones. The noise (and the asked-for labels
   * of a conditional generator, balanced over its classes) come from the scorer's own RNG: the same for every call.
   */
  async score(generator: tf.LayersModel, n: number): Promise<ScoreResult> {
    const started = performance.now();
    const latentDim = generator.inputs[0]!.shape[1]!;
    const embedding = generator.layers.find((l) => l.getClassName() === 'Embedding');
    const conditionalClasses = generator.inputs.length > 1 && embedding ? (embedding.getConfig().inputDim as number) : 0;
    const noise = normals(rngFor(QUALITY_SEED, 0, QUALITY_STREAM.noise), n * latentDim);
    const asked = Int32Array.from({ length: n }, (_, i) => (conditionalClasses ? i % conditionalClasses : 0));
    const { classes } = this.meta;
    const { features, probs } = await forwardBatches(
      this.net,
      n,
      (start, count) => {
        const z = tf.tensor2d(noise.subarray(start * latentDim, (start + count) * latentDim), [count, latentDim]);
        const inputs = conditionalClasses ? [z, tf.tensor2d(asked.subarray(start, start + count), [count, 1], 'int32')] : z;
        return generator.apply(inputs, { training: false }) as tf.Tensor4D;
      },
      classes,
    );
    const classifier = this.meta.kind === 'classifier';
    return {
      fd: frechetDistance(featureStats(features, FEATURE_DIM), this.realStatsFor(n)),
      is: classifier ? inceptionScore(probs, classes) : null,
      labelAccuracy: classifier && conditionalClasses ? labelAccuracy(probs, classes, asked) : null,
      n,
      scorer: this.meta.kind,
      seconds: (performance.now() - started) / 1000,
    };
  }

  dispose(): void {
    this.net.dispose();
  }
}
