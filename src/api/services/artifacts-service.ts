// Samples, checkpoints (listed, or one whole as a tar archive) and the generator of a job, via the artifact index and store.
import type { Readable } from 'node:stream';
import { metricNames, type CheckpointRecord, type JobRecord, type SampleRecord } from '../../contract/job.js';
import { GENERATOR_FILES, WEIGHTS_FILE } from '../../contract/checkpoint-layout.js';
import type { ArtifactIndex, Page, PageOptions } from '../../jobs/artifact-index.js';
import type { MetricsStore } from '../../jobs/metrics-store.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { archiveFilename, checkpointArchiveEntries } from './checkpoint-archive.js';
import { NotFoundError } from './errors.js';
import type { JobsService } from './jobs-service.js';
import { tarStream } from './tar-writer.js';

interface LayersModelJson {
  modelTopology?: unknown;
  weightsManifest: { paths: string[]; weights: unknown[] }[];
  [key: string]: unknown;
}

export class ArtifactsService {
  constructor(private readonly deps: { jobs: JobsService; index: ArtifactIndex; store: ArtifactStore; metrics: MetricsStore }) {}

  async listSamples(jobId: string, page: PageOptions): Promise<Page<SampleRecord>> {
    await this.deps.jobs.get(jobId);
    return this.deps.index.listSamples(jobId, page);
  }

  async getSample(sampleId: string): Promise<SampleRecord> {
    const sample = await this.deps.index.getSample(sampleId);
    if (!sample) throw new NotFoundError(`no sample ${sampleId}`);
    return sample;
  }

  async readSample(sample: SampleRecord): Promise<Uint8Array> {
    const bytes = await this.deps.store.get(sample.key);
    if (!bytes) throw new NotFoundError(`sample ${sample.id} has no image`);
    return bytes;
  }

  async listCheckpoints(jobId: string, page: PageOptions): Promise<Page<CheckpointRecord>> {
    await this.deps.jobs.get(jobId);
    return this.deps.index.listCheckpoints(jobId, page);
  }

  /**
   * The generator's model.json of one checkpoint, its weights path pinned to that checkpoint so a newer checkpoint
   * appearing between the two requests cannot pair this topology with other weights. tf.loadLayersModel appends the
   * model URL's query string to each weights path, so when the client already asked for ?iteration=N the path stays
   * plain `weights.bin` (it becomes `weights.bin?iteration=N`); otherwise it gets `?iteration=N` itself.
   */
  async generatorModel(jobId: string, iteration?: number): Promise<{ iteration: number; model: LayersModelJson }> {
    const { checkpoint } = await this.checkpoint(jobId, iteration);
    const model = JSON.parse(new TextDecoder().decode(await this.readFile(checkpoint, GENERATOR_FILES.model))) as LayersModelJson;
    const path = iteration === undefined ? `${WEIGHTS_FILE}?iteration=${checkpoint.iteration}` : WEIGHTS_FILE;
    model.weightsManifest = (model.weightsManifest as LayersModelJson['weightsManifest'] | undefined ?? []).map((group) => ({ ...group, paths: group.paths.map(() => path) }));
    return { iteration: checkpoint.iteration, model };
  }

  async generatorWeights(jobId: string, iteration?: number): Promise<{ iteration: number; bytes: Uint8Array }> {
    const { checkpoint } = await this.checkpoint(jobId, iteration);
    return { iteration: checkpoint.iteration, bytes: await this.readFile(checkpoint, GENERATOR_FILES.weights) };
  }

  /**
   * One checkpoint as a tar stream laid out as a command-line run directory. The job and the checkpoint are looked up
   * first (NotFoundError before any byte is sent); the files are read as the stream is consumed.
   */
  async checkpointArchive(jobId: string, iteration: number): Promise<{ filename: string; stream: Readable }> {
    const { job, checkpoint } = await this.checkpoint(jobId, iteration);
    const entries = await checkpointArchiveEntries(job, checkpoint, {
      // Rows up to the checkpoint are final: the worker writes them before it records the checkpoint, and a resume
      // starts from the latest checkpoint, so only later rows are ever written again.
      metrics: async (since, limit) => (await this.deps.metrics.read(jobId, metricNames(job.spec.model), iteration, { since, limit, every: 1 })).points,
      file: (name) => this.readFile(checkpoint, name),
    });
    return { filename: archiveFilename(job, iteration), stream: tarStream(entries, new Date(checkpoint.createdAt)) };
  }

  private async checkpoint(jobId: string, iteration?: number): Promise<{ job: JobRecord; checkpoint: CheckpointRecord }> {
    const job = await this.deps.jobs.get(jobId);
    const checkpoint = await this.deps.index.getCheckpoint(jobId, iteration);
    if (!checkpoint) {
      throw new NotFoundError(
        iteration === undefined ? `job ${jobId} has no checkpoint yet` : `job ${jobId} has no checkpoint at iteration ${iteration}`,
      );
    }
    return { job, checkpoint };
  }

  private async readFile(checkpoint: CheckpointRecord, name: string): Promise<Uint8Array> {
    const bytes = checkpoint.files.includes(name) ? await this.deps.store.get(`${checkpoint.prefix}/${name}`) : null;
    if (!bytes) throw new NotFoundError(`checkpoint ${checkpoint.iteration} has no ${name}`);
    return bytes;
  }
}
