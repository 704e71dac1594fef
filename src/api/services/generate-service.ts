// Fresh sample grids on demand from a job's saved generator: loaded once per checkpoint, seeded noise, a label for cgan.
import * as tf from '@tensorflow/tfjs';
import { getModel } from '../../gan/models/registry.js';
import { normals, rngFor, STREAM } from '../../gan/rng.js';
import { renderGeneratorGrid } from '../../gan/trainer.js';
import type { ArtifactsService } from './artifacts-service.js';
import { InvalidParameterError, UnprocessableError } from './errors.js';
import type { JobsService } from './jobs-service.js';

/** Most images in one grid: a generator runs on the API's CPU, between requests. */
export const MAX_GENERATE = 64;
/** Generators kept loaded (a gan generator is ~6 MB of weights). */
const CACHE_SIZE = 4;

interface Loaded {
  generator: tf.LayersModel;
  /** Classes of a conditional generator (its label embedding's input size), else 0. */
  numClasses: number;
}

export interface GenerateQuery {
  n: number;
  seed: number;
  label?: number;
  iteration?: number;
}

export class GenerateService {
  private readonly cache = new Map<string, Promise<Loaded>>();

  private backend: Promise<unknown> | undefined;

  /**
   * `backend` picks the TensorFlow.js backend on first use: without it a generator runs on tfjs' plain-JS kernels,
   * which hold the event loop for seconds on a convolutional grid (the native kernels take milliseconds).
   */
  constructor(private readonly deps: { jobs: JobsService; artifacts: ArtifactsService; backend?: () => Promise<unknown> }) {}

  /** The PNG grid of `n` images for (seed, label) from the latest or the given checkpoint: the same query, the same bytes. */
  async png(jobId: string, q: GenerateQuery): Promise<{ iteration: number; png: Uint8Array }> {
    const job = await this.deps.jobs.get(jobId);
    const model = getModel(job.spec.model);
    if (q.label !== undefined && !model.conditional) {
      throw new InvalidParameterError('query.label', `label: model ${model.name} is not conditional; leave label out`);
    }
    const { iteration, model: json } = await this.deps.artifacts.generatorModel(jobId, q.iteration);
    this.backend ??= this.deps.backend?.() ?? Promise.resolve();
    await this.backend;
    const { generator, numClasses } = await this.load(jobId, iteration, json);
    if (q.label !== undefined && q.label >= numClasses) {
      throw new UnprocessableError('query.label', `label: model ${model.name} of this job has classes 0 to ${numClasses - 1}, got ${q.label}`);
    }
    await tf.ready();
    const latentDim = generator.inputs[0]!.shape[1]!;
    const [, h, w, c] = generator.outputs[0]!.shape as number[];
    const png = renderGeneratorGrid(generator, model, {
      side: 0,
      count: q.n,
      numClasses,
      latentDim,
      imageShape: [h!, w!, c!],
      label: q.label,
      noise: (n) => normals(rngFor(q.seed, 0, STREAM.sample), n * latentDim),
    });
    return { iteration, png };
  }

  private load(jobId: string, iteration: number, json: { modelTopology?: unknown; weightsManifest: { weights: unknown[] }[] }): Promise<Loaded> {
    const key = `${jobId}/${iteration}`;
    let loaded = this.cache.get(key);
    if (!loaded) {
      loaded = (async () => {
        const { bytes } = await this.deps.artifacts.generatorWeights(jobId, iteration);
        const generator = await tf.loadLayersModel(
          tf.io.fromMemory({
            modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
            weightSpecs: json.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[],
            weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
          }),
        );
        const embedding = generator.layers.find((l) => l.getClassName() === 'Embedding');
        return { generator, numClasses: embedding ? (embedding.getConfig().inputDim as number) : 0 };
      })();
      loaded.catch(() => this.cache.delete(key));
      this.cache.set(key, loaded);
      while (this.cache.size > CACHE_SIZE) {
        const [oldest, evicted] = this.cache.entries().next().value!;
        this.cache.delete(oldest);
        void evicted.then((l) => l.generator.dispose(), () => undefined);
      }
    }
    return loaded;
  }
}
