// The GAN engine: builds a model from the registry, trains it on a dataset and reports through callbacks; no I/O of its own.
import * as tf from '@tensorflow/tfjs';
import { getModel } from './models/registry.js';
import type { GanModel, GridLayout, TrainableGan } from './models/model.js';
import { IterationDraws } from './draws.js';
import { rngFor, normals, STREAM } from './rng.js';
import { renderSampleGrid } from './sample-grid.js';
import { describeDataset, type Dataset } from './datasets/dataset.js';
import { NON_TRAJECTORY_FIELDS, type TrainConfig } from './train-config.js';
import { STATE_FILE } from '../contract/checkpoint-layout.js';
import {
  CHECKPOINT_FORMAT,
  InvalidCheckpointError,
  jsonBytes,
  parseJsonFile,
  restoreModelWeights,
  restoreOptimizers,
  serializeModel,
  serializeOptimizers,
  type CheckpointFiles,
} from './checkpoint-files.js';
import { AppError } from '../errors.js';

/** One iteration's numbers, named by the model's `metrics` (e.g. dLoss, dAcc, gLoss). */
export type IterationMetrics = { iteration: number } & Record<string, number>;

export interface TrainerEvents {
  onMetrics?(metrics: IterationMetrics): void | Promise<void>;
  onSample?(sample: { iteration: number; png: Uint8Array }): void | Promise<void>;
  onCheckpoint?(checkpoint: { iteration: number; files: CheckpointFiles }): void | Promise<void>;
}

export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  iteration: number;
  config: TrainConfig;
  dataset: ReturnType<typeof describeDataset>;
  backend: string;
  createdAt: string;
}

export class TrainingDivergedError extends AppError {
  readonly code = 'TRAINING_DIVERGED';
  readonly status = 500;
  readonly retry = 'permanent';
  constructor(readonly iteration: number, metrics: IterationMetrics) {
    const values = Object.entries(metrics).filter(([k]) => k !== 'iteration').map(([k, v]) => `${k}=${v}`);
    super(
      `training diverged at iteration ${iteration}: non-finite loss or discriminator output ` +
        `(${values.join(', ')}); try a lower learning rate`,
    );
    this.name = 'TrainingDivergedError';
  }
}

/** The dataset's class count: labels are 0 .. max. */
function classCount(labels: Uint8Array): number {
  let max = 0;
  for (const l of labels) if (l > max) max = l;
  return max + 1;
}

export class GanTrainer {
  private iterationsDone = 0;
  private readonly images: tf.Tensor4D;
  private readonly labels: tf.Tensor2D;
  private readonly imageShape: [number, number, number];

  private constructor(
    readonly config: TrainConfig,
    readonly dataset: Dataset,
    readonly model: GanModel,
    readonly numClasses: number,
    private readonly nets: TrainableGan,
  ) {
    this.imageShape = [dataset.height, dataset.width, dataset.channels];
    this.images = tf.tensor4d(dataset.images, [dataset.count, ...this.imageShape]);
    this.labels = tf.tensor2d(Int32Array.from(dataset.labels), [dataset.count, 1], 'int32');
  }

  /** Builds a fresh run, or continues the one saved in `checkpoint`. */
  static async create(opts: { config: TrainConfig; dataset: Dataset; checkpoint?: CheckpointFiles }): Promise<GanTrainer> {
    const { config, dataset } = opts;
    if (dataset.count < 1) throw new Error(`dataset ${dataset.name} is empty`);
    const model = getModel(config.model);
    const imageShape: [number, number, number] = [dataset.height, dataset.width, dataset.channels];
    const shapeError = model.imageShapeError(imageShape);
    if (shapeError) throw new Error(`model ${model.name} cannot train on ${dataset.name}: it ${shapeError}`);
    const numClasses = classCount(dataset.labels);
    const nets = model.create({ config, imageShape, numClasses });
    const trainer = new GanTrainer(config, dataset, model, numClasses, nets);
    if (opts.checkpoint) {
      try {
        await trainer.restore(opts.checkpoint);
      } catch (err) {
        trainer.dispose();
        throw err;
      }
    }
    return trainer;
  }

  /** Iterations completed so far (the number of the last one). */
  get iteration(): number {
    return this.iterationsDone;
  }

  get generator(): tf.LayersModel {
    return this.nets.generator;
  }

  get discriminator(): tf.LayersModel {
    return this.nets.discriminator;
  }

  /** Runs the next iteration; throws TrainingDivergedError on a non-finite loss. */
  step(): IterationMetrics {
    const iteration = this.iterationsDone + 1;
    const draws = new IterationDraws(this.config.seed, iteration, {
      images: this.images,
      labels: this.labels,
      count: this.dataset.count,
      numClasses: this.numClasses,
      latentDim: this.config.latentDim,
    });
    let r;
    try {
      r = this.nets.step(draws);
    } finally {
      tf.dispose(draws.made);
    }
    const metrics: IterationMetrics = { iteration };
    this.model.metrics.forEach((name, i) => (metrics[name] = r.values[i]!));
    if (!r.finite || !r.values.every(Number.isFinite)) throw new TrainingDivergedError(iteration, metrics);
    this.iterationsDone = iteration;
    return metrics;
  }

  /**
   * Trains up to config.iterations, calling the sinks as it goes. A sample and a checkpoint are also taken at the last
   * iteration. Yields to the event loop after every iteration so that a host process stays responsive. Stops early,
   * without a checkpoint, when `signal` aborts; the caller decides whether to save one.
   */
  async run(events: TrainerEvents = {}, signal?: AbortSignal): Promise<{ iteration: number; stopped: boolean }> {
    const { iterations, sampleInterval, checkpointInterval } = this.config;
    while (this.iterationsDone < iterations) {
      if (signal?.aborted) return { iteration: this.iterationsDone, stopped: true };
      const metrics = this.step();
      const i = metrics.iteration;
      await events.onMetrics?.(metrics);
      if (events.onSample && (i % sampleInterval === 0 || i === iterations)) {
        await events.onSample({ iteration: i, png: this.sampleGrid() });
      }
      if (events.onCheckpoint && (i % checkpointInterval === 0 || i === iterations)) {
        await events.onCheckpoint({ iteration: i, files: await this.checkpoint() });
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { iteration: this.iterationsDone, stopped: false };
  }

  /** A PNG grid of fresh samples from G in inference mode; the noise is fixed by (seed, iteration). */
  sampleGrid(iteration = this.iterationsDone): Uint8Array {
    return renderGeneratorGrid(this.nets.generator, this.model, {
      side: this.config.sampleGrid,
      numClasses: this.numClasses,
      latentDim: this.config.latentDim,
      imageShape: this.imageShape,
      noise: (n) => normals(rngFor(this.config.seed, iteration, STREAM.sample), n * this.config.latentDim),
    });
  }

  /** The full training state: both models (layers format), both optimisers, the iteration; state.json last. */
  async checkpoint(): Promise<CheckpointFiles> {
    const files: CheckpointFiles = new Map([
      ...(await serializeModel(this.nets.generator, 'generator')),
      ...(await serializeModel(this.nets.discriminator, 'discriminator')),
      ...(await serializeOptimizers(this.nets.optimizers)),
    ]);
    const state: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      iteration: this.iterationsDone,
      config: this.config,
      dataset: describeDataset(this.dataset),
      backend: tf.getBackend(),
      createdAt: new Date().toISOString(),
    };
    files.set(STATE_FILE, jsonBytes(state));
    return files;
  }

  private async restore(files: CheckpointFiles): Promise<void> {
    const state = parseJsonFile<CheckpointState>(files, STATE_FILE);
    if (state.format !== CHECKPOINT_FORMAT) throw new InvalidCheckpointError(`unknown format "${state.format}"`);
    if (!Number.isInteger(state.iteration) || state.iteration < 0) {
      throw new InvalidCheckpointError(`bad iteration ${state.iteration}`);
    }
    // Every field but the schedule shapes the trajectory; a checkpoint of a job from before there were several models has model gan.
    const saved: Record<string, unknown> = { ...state.config, model: state.config?.model ?? 'gan' };
    const current = this.config as Record<string, unknown>;
    for (const field of new Set([...Object.keys(saved), ...Object.keys(current)])) {
      if ((NON_TRAJECTORY_FIELDS as readonly string[]).includes(field)) continue;
      if (saved[field] !== current[field]) {
        throw new InvalidCheckpointError(
          `it was made with ${field}=${JSON.stringify(saved[field])}, this run has ${JSON.stringify(current[field])}`,
        );
      }
    }
    restoreModelWeights(this.nets.generator, files, 'generator');
    restoreModelWeights(this.nets.discriminator, files, 'discriminator');
    await restoreOptimizers(this.nets.optimizers, files);
    this.iterationsDone = state.iteration;
  }

  dispose(): void {
    tf.dispose([this.images, this.labels]);
    this.nets.dispose();
    this.nets.generator.dispose();
    this.nets.discriminator.dispose();
    for (const o of Object.values(this.nets.optimizers)) o.dispose();
  }
}

/**
 * A model's sample grid from a generator: its layout (one row per class for a conditional model, or every tile of
 * `label`), noise for each tile. Shared by the trainer's samples and the API's generate.png.
 */
export function renderGeneratorGrid(
  generator: tf.LayersModel,
  model: GanModel,
  opts: {
    side: number;
    numClasses: number;
    latentDim: number;
    imageShape: [number, number, number];
    noise: (n: number) => Float32Array;
    label?: number;
    count?: number;
  },
): Uint8Array {
  const layout =
    opts.count !== undefined
      ? squareLayout(opts.count, model.conditional ? (opts.label ?? 'cycle') : undefined, opts.numClasses)
      : model.gridLayout(opts.side, opts.numClasses);
  const n = layout.rows * layout.cols;
  const noise = opts.noise(n);
  const images = tf.tidy(() => {
    const z = tf.tensor2d(noise, [n, opts.latentDim]);
    if (!model.conditional) return generator.apply(z, { training: false }) as tf.Tensor;
    const labels = layout.labels ?? Array.from({ length: n }, () => opts.label ?? 0);
    return generator.apply([z, tf.tensor2d(labels, [n, 1], 'int32')], { training: false }) as tf.Tensor;
  });
  try {
    const [height, width, channels] = opts.imageShape;
    return renderSampleGrid(images.dataSync() as Float32Array, {
      count: n,
      height,
      width,
      channels: channels as 1 | 3,
      rows: layout.rows,
      cols: layout.cols,
      rowTitles: layout.rowTitles,
    });
  } finally {
    images.dispose();
  }
}

/**
 * `count` tiles in a full grid, as square as divisors allow (16 -> 4x4, 10 -> 2x5, a prime p -> 1xp); for a
 * conditional model every tile of `label`, or the classes in turn.
 */
function squareLayout(count: number, label: number | 'cycle' | undefined, numClasses: number): GridLayout {
  let cols = Math.ceil(Math.sqrt(count));
  while (count % cols !== 0) cols++;
  const rows = count / cols;
  if (label === undefined) return { rows, cols };
  return { rows, cols, labels: Array.from({ length: count }, (_, i) => (label === 'cycle' ? i % numClasses : label)) };
}
