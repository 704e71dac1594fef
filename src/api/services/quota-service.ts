// Per-project quotas for the API: a job's size and footprint checked up front (422 naming the fields), usage for GET /quota.
import type { JobSpec } from '../../contract/job.js';
import type { ArtifactIndex } from '../../jobs/artifact-index.js';
import type { JobStore } from '../../jobs/job-store.js';
import type { ImageShape } from '../../gan/train-config.js';
import { estimateFootprint, formatBytes, type QuotaLimits } from '../../jobs/quota.js';
import type { DatasetStore } from '../../jobs/dataset-store.js';
import { QuotaExceededError } from './errors.js';

export function datasetQuotaError(project: string, used: number, limit: number): QuotaExceededError {
  return new QuotaExceededError(
    `project ${project}'s datasets take ${formatBytes(used)} of its ${formatBytes(limit)} quota (GANFORGE_QUOTA_DATASET_BYTES): delete datasets first`,
    [{ path: 'body', message: `over the dataset quota of ${formatBytes(limit)}` }],
  );
}

export interface QuotaUsage {
  activeJobs: number;
  storedBytes: number;
  datasetBytes: number;
}

export class QuotaService {
  constructor(private readonly deps: { jobs: JobStore; artifacts: ArtifactIndex; datasets: Pick<DatasetStore, 'list'>; limits: QuotaLimits }) {}

  get limits(): QuotaLimits {
    return this.deps.limits;
  }

  async usage(project: string): Promise<QuotaUsage> {
    const [activeJobs, storedBytes, datasetBytes] = await Promise.all([
      this.deps.jobs.projectActiveCount(project),
      this.deps.artifacts.projectBytes(project),
      this.datasetBytes(project),
    ]);
    return { activeJobs, storedBytes, datasetBytes };
  }

  /** What a project's uploaded datasets take: the pack and preview of a processed one, the archive of one in processing. */
  async datasetBytes(project: string): Promise<number> {
    const records = await this.deps.datasets.list(project);
    return records.reduce((sum, d) => sum + (d.status === 'processing' ? d.uploadBytes : d.bytes), 0);
  }

  /**
   * How many bytes a new upload of the project may have before it passes the dataset quota (Infinity without one);
   * QuotaExceededError when the project is at it already.
   */
  async datasetUploadAllowance(project: string): Promise<number> {
    const limit = this.deps.limits.datasetBytes;
    if (limit <= 0) return Infinity;
    const used = await this.datasetBytes(project);
    if (used >= limit) throw datasetQuotaError(project, used, limit);
    return limit - used;
  }

  /** The spec a new job gets: the default retention unless it says otherwise. */
  withDefaults<T extends { keepCheckpoints?: number }>(spec: T): T {
    const keep = this.deps.limits.defaultKeepCheckpoints;
    return spec.keepCheckpoints === undefined && keep > 0 ? { ...spec, keepCheckpoints: keep } : spec;
  }

  /**
   * Throws QuotaExceededError (422) when the job is too large (iterations x batchSize, or its estimated bytes) or its
   * project already stores as much as it may. `field` maps a spec field to its name in the request (body.x).
   */
  async check(
    spec: JobSpec,
    project: string,
    imageShape: ImageShape,
    field: (name: keyof JobSpec) => string = (name) => `body.${name}`,
  ): Promise<void> {
    const { jobExamples, jobBytes, storedBytes } = this.deps.limits;
    const errors: { path: string; message: string }[] = [];
    const examples = spec.iterations * spec.batchSize;
    if (jobExamples > 0 && examples > jobExamples) {
      const message = `iterations x batchSize is ${examples.toLocaleString('en')}; this project's quota is ${jobExamples.toLocaleString('en')} per job`;
      errors.push({ path: field('iterations'), message }, { path: field('batchSize'), message });
    }
    const footprint = estimateFootprint(spec, imageShape);
    if (jobBytes > 0 && footprint.total > jobBytes) {
      const over = `the job would store about ${formatBytes(footprint.total)}, over this project's ${formatBytes(jobBytes)} per job`;
      if (footprint.checkpoints >= footprint.samples) {
        const message = `${over}: ${footprint.keptCheckpoints} kept checkpoints take ${formatBytes(footprint.checkpoints)}; raise checkpointInterval or lower keepCheckpoints`;
        errors.push({ path: field('checkpointInterval'), message }, { path: field('keepCheckpoints'), message });
      } else {
        const message = `${over}: sample grids take ${formatBytes(footprint.samples)}; raise sampleInterval or lower sampleGrid`;
        errors.push({ path: field('sampleInterval'), message }, { path: field('sampleGrid'), message });
      }
    }
    if (errors.length > 0) throw new QuotaExceededError(`over this project's quota: ${[...new Set(errors.map((e) => e.message))].join('; ')}`, errors);
    if (storedBytes > 0) {
      const stored = await this.deps.artifacts.projectBytes(project);
      if (stored >= storedBytes) {
        throw new QuotaExceededError(
          `project ${project} stores ${formatBytes(stored)}, its quota is ${formatBytes(storedBytes)}: delete jobs (or their checkpoints) first`,
        );
      }
    }
  }
}
