// The model interface: what a model module owns (networks, step, sampler, optimizers, options, metrics) and what it is given.
import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';

/** The random inputs of one iteration, each a pure function of (seed, iteration, stream); the trainer disposes them. */
export interface Draws {
  /** n real images [n, h, w, c] with their labels [n, 1] (int32), drawn with replacement. */
  real(n: number, stream: number): { images: tf.Tensor4D; labels: tf.Tensor2D };
  /** n latent vectors [n, latentDim], standard normal. */
  noise(n: number, stream: number): tf.Tensor2D;
  /** n class labels [n, 1] (int32), uniform over the dataset's classes. */
  classes(n: number, stream: number): tf.Tensor2D;
  /** n uniform [0, 1) numbers shaped [n, ...shape]. */
  uniform(shape: number[], stream: number): tf.Tensor;
  /** A seed for this iteration's dropout masks, distinct per stream. */
  seed(stream: number): number;
}

export interface ModelContext<C> {
  config: C;
  /** [height, width, channels] */
  imageShape: [number, number, number];
  numClasses: number;
}

/** One training step's numbers in the order of the model's `metrics`, and whether every output stayed finite. */
export interface StepResult {
  values: number[];
  finite: boolean;
}

/** What the sample grid shows: rows x cols tiles, with a class per tile for conditional models. */
export interface GridLayout {
  rows: number;
  cols: number;
  /** Class of each tile (rows * cols), for conditional models. */
  labels?: number[];
  /** Text at the left of each row. */
  rowTitles?: string[];
}

/** A built model, ready to train: its two networks, its optimizers (by checkpoint name) and its step. */
export interface TrainableGan {
  generator: tf.LayersModel;
  discriminator: tf.LayersModel;
  optimizers: Record<string, tf.Optimizer>;
  step(draws: Draws): StepResult;
  /** Frees what the model made besides its networks and optimizers (constant label tensors). */
  dispose(): void;
}

export interface GanModel<N extends string = string, S extends z.ZodObject = z.ZodObject> {
  name: N;
  description: string;
  /** The config of a job of this model: `model`, the common fields and its own options with their defaults. */
  schema: S;
  /** Names of the numbers each step reports, e.g. ['dLoss', 'dAcc', 'gLoss']. */
  metrics: readonly string[];
  /** True when the generator takes a class label as its second input. */
  conditional: boolean;
  /** Why the model cannot take images of this shape, or null when it can. */
  imageShapeError(shape: [number, number, number]): string | null;
  /** The sample grid for `side` (the config's sampleGrid). */
  gridLayout(side: number, numClasses: number): GridLayout;
  create(ctx: ModelContext<z.infer<S>>): TrainableGan;
}
