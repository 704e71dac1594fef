// The GAN engine: builds a model from the registry, trains it on a dataset and reports through callbacks; no I/O of its own.
import * as tf from '@tensorflow/tfjs';
import { getModel } from './models/registry.js';
import { trainStep, type StepModels } from './train-step.js';
import { rngFor, normals, randomIndices, STREAM } from './rng.js';
import { renderSampleGrid } from './sample-grid.js';
import { describeDataset, type Dataset } from './datasets/dataset.js';
import type { TrainConfig } from './train-config.js';
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

export interface IterationMetrics {
  iteration: number;
  /** Mean of the discriminator's losses on the real and the fake batch. */
  dLoss: number;
  /** Mean of the discriminator's accuracies on the two batches, as a fraction in [0, 1]. */
  dAcc: number;
  gLoss: number;
}

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
    super(
      `training diverged at iteration ${iteration}: non-finite loss or discriminator output ` +
        `(dLoss=${metrics.dLoss}, gLoss=${metrics.gLoss}); try a lower learning rate`,
    );
    this.name = 'TrainingDivergedError';
  }
}

/** Fields that shape the training trajectory: a checkpoint only resumes a run that agrees on all of them. */
const TRAJECTORY_FIELDS = ['model', 'dataset', 'batchSize', 'latentDim', 'learningRate', 'beta1', 'beta2', 'seed'] as const;

export class GanTrainer {
  private iterationsDone = 0;
  private readonly images: tf.Tensor4D;
  private readonly ones: tf.Tensor2D;
  private readonly zeros: tf.Tensor2D;
  private readonly imageShape: [number, number, number];

  private constructor(
    readonly config: TrainConfig,
    readonly dataset: Dataset,
    private readonly models: StepModels & { dOptimizer: tf.AdamOptimizer; gOptimizer: tf.AdamOptimizer },
  ) {
    this.imageShape = [dataset.height, dataset.width, dataset.channels];
    this.images = tf.tensor4d(dataset.images, [dataset.count, ...this.imageShape]);
    this.ones = tf.ones([config.batchSize, 1]);
    this.zeros = tf.zeros([config.batchSize, 1]);
  }

  /** Builds a fresh run, or continues the one saved in `checkpoint`. */
  static async create(opts: { config: TrainConfig; dataset: Dataset; checkpoint?: CheckpointFiles }): Promise<GanTrainer> {
    const { config, dataset } = opts;
    if (dataset.count < 1) throw new Error(`dataset ${dataset.name} is empty`);
    const { generator, discriminator } = getModel(config.model).build({
      latentDim: config.latentDim,
      imageShape: [dataset.height, dataset.width, dataset.channels],
      seed: config.seed,
    });
    const adam = () => tf.train.adam(config.learningRate, config.beta1, config.beta2);
    const trainer = new GanTrainer(config, dataset, {
      generator,
      discriminator,
      dOptimizer: adam(),
      gOptimizer: adam(),
    });
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
    return this.models.generator;
  }

  get discriminator(): tf.LayersModel {
    return this.models.discriminator;
  }

  /** Runs the next iteration; throws TrainingDivergedError on a non-finite loss. */
  step(): IterationMetrics {
    const iteration = this.iterationsDone + 1;
    const { seed, batchSize, latentDim } = this.config;
    const indices = randomIndices(rngFor(seed, iteration, STREAM.batch), batchSize, this.dataset.count);
    const noiseD = normals(rngFor(seed, iteration, STREAM.noiseD), batchSize * latentDim);
    const noiseG = normals(rngFor(seed, iteration, STREAM.noiseG), batchSize * latentDim);

    const inputs = tf.tidy(() => ({
      real: tf.gather(this.images, tf.tensor1d(indices, 'int32')),
      noiseD: tf.tensor2d(noiseD, [batchSize, latentDim]),
      noiseG: tf.tensor2d(noiseG, [batchSize, latentDim]),
    }));
    let r;
    try {
      r = trainStep(this.models, { ...inputs, ones: this.ones, zeros: this.zeros });
    } finally {
      tf.dispose(inputs);
    }
    const metrics: IterationMetrics = {
      iteration,
      dLoss: 0.5 * (r.dLossReal + r.dLossFake),
      dAcc: 0.5 * (r.dAccReal + r.dAccFake),
      gLoss: r.gLoss,
    };
    if (!r.finite || !Number.isFinite(metrics.dLoss) || !Number.isFinite(metrics.gLoss)) {
      throw new TrainingDivergedError(iteration, metrics);
    }
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
    const side = this.config.sampleGrid;
    const n = side * side;
    const noise = normals(rngFor(this.config.seed, iteration, STREAM.sample), n * this.config.latentDim);
    const images = tf.tidy(() => {
      const z = tf.tensor2d(noise, [n, this.config.latentDim]);
      return this.models.generator.apply(z, { training: false }) as tf.Tensor;
    });
    try {
      const [height, width, channels] = this.imageShape;
      return renderSampleGrid(images.dataSync() as Float32Array, {
        count: n,
        height,
        width,
        channels: channels as 1 | 3,
        rows: side,
        cols: side,
      });
    } finally {
      images.dispose();
    }
  }

  /** The full training state: both models (layers format), both optimisers, the iteration; state.json last. */
  async checkpoint(): Promise<CheckpointFiles> {
    const files: CheckpointFiles = new Map([
      ...(await serializeModel(this.models.generator, 'generator')),
      ...(await serializeModel(this.models.discriminator, 'discriminator')),
      ...(await serializeOptimizers({ d: this.models.dOptimizer, g: this.models.gOptimizer })),
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
    for (const field of TRAJECTORY_FIELDS) {
      if (state.config?.[field] !== this.config[field]) {
        throw new InvalidCheckpointError(
          `it was made with ${field}=${JSON.stringify(state.config?.[field])}, this run has ${JSON.stringify(this.config[field])}`,
        );
      }
    }
    restoreModelWeights(this.models.generator, files, 'generator');
    restoreModelWeights(this.models.discriminator, files, 'discriminator');
    await restoreOptimizers({ d: this.models.dOptimizer, g: this.models.gOptimizer }, files);
    this.iterationsDone = state.iteration;
  }

  dispose(): void {
    tf.dispose([this.images, this.ones, this.zeros]);
    this.models.generator.dispose();
    this.models.discriminator.dispose();
    this.models.dOptimizer.dispose();
    this.models.gOptimizer.dispose();
  }
}
