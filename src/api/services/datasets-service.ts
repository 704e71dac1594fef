// Uploaded datasets for the API: stream an archive to the artifact store (bounded), queue its processing, list, read,
// delete. Knows Redis, the queue and the store, not HTTP. Datasets belong to a project; others' ids answer 404.
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { artifactKeys, redisKeys } from '../../contract/keys.js';
import type { ArchiveFormat, DatasetJobData, DatasetRecord } from '../../contract/dataset.js';
import type { DatasetStore } from '../../jobs/dataset-store.js';
import type { JobOwner, JobStore } from '../../jobs/job-store.js';
import { enqueueDataset } from '../../jobs/dataset-queue.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { DATASET_CLASSES, DATASET_NAMES, DATASET_SHAPES } from '../../gan/train-config.js';
import { isTerminal } from '../../contract/job.js';
import { ConflictError, InvalidParameterError, NotFoundError, PayloadTooLargeError, type QuotaExceededError } from './errors.js';
import { datasetQuotaError, type QuotaService } from './quota-service.js';

export interface DatasetsServiceDeps {
  redis: Redis;
  prefix: string;
  datasets: DatasetStore;
  jobs: JobStore;
  store: ArtifactStore;
  queue: Queue<DatasetJobData>;
  maxBytes: number;
  /** The project's dataset-bytes quota (GET /quota); an upload past what is left is refused as it passes. */
  quota: Pick<QuotaService, 'datasetUploadAllowance' | 'datasetBytes' | 'limits'>;
}

export interface UploadInput {
  name: string;
  size: number;
  channels: number;
  format: ArchiveFormat;
  body: Readable;
  /** The Content-Length the client declared, when it did. */
  declaredBytes?: number;
}

/** A built-in dataset as GET /datasets lists it. */
export interface BuiltinDataset {
  id: string;
  name: string;
  builtin: true;
  status: 'ready';
  shape: [number, number, number];
  classes: { name: string; count: number | null }[];
}

export class DatasetsService {
  constructor(private readonly deps: DatasetsServiceDeps) {}

  private tooLarge(): PayloadTooLargeError {
    return new PayloadTooLargeError(`the archive is larger than ${this.deps.maxBytes} bytes (GANFORGE_DATASET_MAX_BYTES)`);
  }

  /**
   * Passes the body through, failing as soon as it passes the size limit (413) or what is left of the project's
   * dataset quota (422); the request is not destroyed, so the answer can be sent.
   */
  private async *bounded(body: Readable, allowance: number, project: string): AsyncGenerator<Uint8Array> {
    let seen = 0;
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      seen += (chunk as Buffer).length;
      if (seen > this.deps.maxBytes) throw this.tooLarge();
      if (seen > allowance) throw await this.overQuota(project, seen);
      yield chunk as Buffer;
    }
  }

  private async overQuota(project: string, adding: number): Promise<QuotaExceededError> {
    return datasetQuotaError(project, (await this.deps.quota.datasetBytes(project)) + adding, this.deps.quota.limits.datasetBytes);
  }

  /** Stores the archive as it arrives, then records the dataset (processing) and queues it for a worker. */
  async upload(input: UploadInput, owner: JobOwner): Promise<DatasetRecord> {
    const { store, datasets, queue } = this.deps;
    if (input.declaredBytes !== undefined && input.declaredBytes > this.deps.maxBytes) throw this.tooLarge();
    const allowance = await this.deps.quota.datasetUploadAllowance(owner.project);
    if (input.declaredBytes !== undefined && input.declaredBytes > allowance) throw await this.overQuota(owner.project, input.declaredBytes);
    const id = crypto.randomUUID();
    let uploadBytes: number;
    try {
      uploadBytes = (await store.putStream(artifactKeys.datasetUpload(id), this.bounded(input.body, allowance, owner.project))).size;
      if (uploadBytes === 0) throw new InvalidParameterError('body', 'the body is empty: send the archive as the request body');
    } catch (err) {
      // A cut-off upload, one over the limit or an empty one leaves nothing behind.
      await store.deletePrefix(artifactKeys.datasetPrefix(id)).catch(() => {});
      throw err;
    }
    const record: DatasetRecord = {
      id,
      project: owner.project,
      name: input.name,
      status: 'processing',
      error: null,
      shape: [input.size, input.size, input.channels],
      count: 0,
      progress: null,
      classes: [],
      skipped: [],
      skippedCount: 0,
      uploadBytes,
      bytes: 0,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      createdBy: owner.createdBy,
    };
    await datasets.create(record);
    try {
      await enqueueDataset(queue, { datasetId: id, format: input.format });
    } catch (err) {
      await datasets.delete(record).catch(() => {});
      await store.deletePrefix(artifactKeys.datasetPrefix(id)).catch(() => {});
      throw err;
    }
    return record;
  }

  async get(id: string, project: string): Promise<DatasetRecord> {
    const record = await this.deps.datasets.get(id);
    // Another project's dataset is not there, as far as this caller can tell.
    if (!record || record.project !== project) throw new NotFoundError(`no dataset ${id}`);
    return record;
  }

  list(project: string): Promise<DatasetRecord[]> {
    return this.deps.datasets.list(project);
  }

  builtins(): BuiltinDataset[] {
    return DATASET_NAMES.map((name) => ({
      id: name,
      name,
      builtin: true as const,
      status: 'ready' as const,
      shape: DATASET_SHAPES[name],
      classes: DATASET_CLASSES[name].map((c) => ({ name: c, count: null })),
    }));
  }

  async preview(id: string, project: string): Promise<Uint8Array> {
    const record = await this.get(id, project);
    if (record.status !== 'ready') throw new ConflictError(`dataset ${id} is ${record.status}; its preview exists once it is ready`);
    const png = await this.deps.store.get(artifactKeys.datasetPreview(id));
    if (!png) throw new NotFoundError(`no preview of dataset ${id}`);
    return png;
  }

  /** Jobs that are queued or running on this dataset (a delete waits for them). */
  private async activeJobsUsing(id: string): Promise<string[]> {
    const ids = await this.deps.redis.smembers(redisKeys(this.deps.prefix).activeJobs);
    const records = await Promise.all(ids.map((j) => this.deps.jobs.get(j)));
    return records.flatMap((r) => (r && !isTerminal(r.status) && r.spec.dataset === id ? [r.id] : []));
  }

  async delete(id: string, project: string): Promise<void> {
    const record = await this.get(id, project);
    const using = await this.activeJobsUsing(id);
    if (using.length > 0) {
      throw new ConflictError(`dataset ${id} is used by ${using.length} queued or running job(s), e.g. ${using[0]}; cancel them or wait`);
    }
    await this.deps.datasets.delete(record);
    // A processing job still queued is dropped; one running finds the record gone and cleans up after itself.
    await this.deps.queue.remove(id).catch(() => 0);
    await this.deps.store.deletePrefix(artifactKeys.datasetPrefix(id));
  }
}
