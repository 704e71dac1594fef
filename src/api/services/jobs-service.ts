// Job lifecycle for the API: create + enqueue, read, list, cancel, resume, delete. Knows Redis and the queue, not HTTP.
import { getModel } from '../../gan/models/registry.js';
import { DATASET_SHAPES, type ImageShape } from '../../gan/train-config.js';
import { isBuiltinDataset } from '../../gan/datasets/sources.js';
import type { DatasetStore } from '../../jobs/dataset-store.js';
import crypto from 'node:crypto';
import type { Queue } from 'bullmq';
import { isTerminal, jobSpecSchema, type JobRecord, type JobSpec, type JobStatus, type TrainJobData } from '../../contract/job.js';
import { artifactKeys } from '../../contract/keys.js';
import type { ClusterStats } from '../../jobs/cluster-stats.js';
import type { EventLog } from '../../jobs/event-log.js';
import { DEFAULT_PROJECT, type JobOwner, type JobStore } from '../../jobs/job-store.js';
import { enqueueTraining } from '../../jobs/train-queue.js';
import type { ArtifactStore } from '../../storage/artifact-store.js';
import { ConflictError, NotFoundError, TooManyActiveJobsError, UnprocessableError } from './errors.js';
import type { QuotaService } from './quota-service.js';

/** POST /jobs after validation: a job spec whose seed may still be missing. */
export type CreateJobInput = Omit<JobSpec, 'seed'> & { seed?: number };

export interface JobsServiceDeps {
  jobs: JobStore;
  events: EventLog;
  queue: Queue<TrainJobData>;
  store: ArtifactStore;
  maxActiveJobs: number;
  stats: ClusterStats;
  quota: QuotaService;
  datasets: DatasetStore;
}

const tooManyActive = (max: number) =>
  new TooManyActiveJobsError(`${max} jobs are queued or running, the most allowed; retry when some finish`);
const projectFull = (project: string, max: number) =>
  new TooManyActiveJobsError(`project ${project} has ${max} jobs queued or running, its quota (GANFORGE_QUOTA_ACTIVE_JOBS); retry when some finish`);
const windingDown = (id: string) => new ConflictError(`job ${id} is still being wound down by a worker; retry shortly`);

export class JobsService {
  constructor(private readonly deps: JobsServiceDeps) {}

  async create(input: CreateJobInput, owner: JobOwner): Promise<JobRecord> {
    const { jobs, queue, maxActiveJobs, quota } = this.deps;
    // A seed picked here and stored in the spec makes every run repeatable from its record.
    const spec = jobSpecSchema.parse(quota.withDefaults({ ...input, seed: input.seed ?? crypto.randomInt(0, 2 ** 31) }));
    const shape = await this.datasetShapeFor(spec, owner.project);
    await quota.check(spec, owner.project, shape);
    const record = await jobs.createWithin({ total: maxActiveJobs, perProject: quota.limits.activeJobs }, spec, crypto.randomUUID(), owner);
    if (record === 'full') throw tooManyActive(maxActiveJobs);
    if (record === 'project-full') throw projectFull(owner.project, quota.limits.activeJobs);
    try {
      await enqueueTraining(queue, { jobId: record.id, spec });
    } catch (err) {
      await jobs.delete(record.id).catch(() => {});
      throw err;
    }
    return record;
  }

  /**
   * The shape of the spec's dataset, checked against its model here rather than by the worker: a job on a dataset
   * that is not there (or not ready), unlabelled for a conditional model, or of a shape the model cannot make, never
   * starts (422 naming body.dataset).
   */
  private async datasetShapeFor(spec: JobSpec, project: string): Promise<ImageShape> {
    const model = getModel(spec.model);
    const refuse = (problem: string) => new UnprocessableError('body.dataset', `dataset ${spec.dataset}: ${problem}`);
    let shape: ImageShape;
    if (isBuiltinDataset(spec.dataset)) shape = DATASET_SHAPES[spec.dataset];
    else {
      const d = await this.deps.datasets.get(spec.dataset);
      if (!d || d.project !== project) throw refuse(`no such dataset in project ${project}`);
      if (d.status !== 'ready') throw refuse(`the dataset is ${d.status}${d.error ? ` (${d.error})` : ''}; a job needs a ready one`);
      if (model.conditional && d.classes.length < 2) {
        throw refuse(`model ${spec.model} is conditional and needs a labelled dataset (images in class folders, at least two classes)`);
      }
      shape = d.shape;
    }
    const shapeError = model.imageShapeError(shape);
    if (shapeError) throw refuse(`model ${spec.model} ${shapeError}`);
    return shape;
  }

  async get(id: string): Promise<JobRecord> {
    const record = await this.deps.jobs.get(id);
    if (!record) throw new NotFoundError(`no job ${id}`);
    return record;
  }

  /**
   * Some of a project's jobs by id, in the order asked (GET /jobs?ids=, the compare view). An id that names no job,
   * or another project's, is 404 like GET /jobs/:id: a comparison with a job missing would silently compare less.
   */
  async byIds(ids: readonly string[], project: string): Promise<JobRecord[]> {
    const records = await Promise.all(ids.map((id) => this.deps.jobs.get(id)));
    return records.map((record, i) => {
      if (!record || (record.project ?? DEFAULT_PROJECT) !== project) throw new NotFoundError(`no job ${ids[i]}`);
      return record;
    });
  }

  /** One project's jobs, newest first. */
  list(opts: { project: string; status?: JobStatus; cursor?: string; limit: number }) {
    return this.deps.jobs.list(opts);
  }

  /**
   * A queued job is taken off the queue and cancelled at once; a running one (or a queued one a worker has just
   * locked) gets cancelRequested, which the worker watches.
   */
  async cancel(id: string): Promise<JobRecord> {
    const { jobs, events } = this.deps;
    const record = await this.get(id);
    if (isTerminal(record.status)) throw new ConflictError(`job ${id} is already ${record.status}`);
    if (record.status === 'queued' && (await this.removeFromQueue(id))) {
      const fields = { status: 'cancelled' as const, finishedAt: new Date().toISOString(), cancelRequested: true };
      if (!(await jobs.updateIfExists(id, fields))) throw new NotFoundError(`no job ${id}`);
      await events.append(id, 'status', { status: 'cancelled', error: null });
      await this.deps.stats.countJob('cancelled');
      return { ...record, ...fields };
    }
    if (!(await jobs.updateIfExists(id, { cancelRequested: true }))) throw new NotFoundError(`no job ${id}`);
    return this.get(id);
  }

  /**
   * Puts an ended job (failed, cancelled or completed) back in the queue, to train up to `iterations` (default: its
   * own total) from its latest checkpoint, as a worker does after a crash. The record goes back to queued with error,
   * finishedAt, startedAt and cancelRequested cleared (startedAt is when the current run began: the worker sets it
   * again and counts a start, so started and finished counters stay in step); iteration, latest and its history stay.
   */
  async resume(id: string, input: { iterations?: number } = {}): Promise<JobRecord> {
    const { jobs, events, queue, maxActiveJobs, quota } = this.deps;
    const record = await this.get(id);
    const project = record.project ?? DEFAULT_PROJECT;
    if (!isTerminal(record.status)) throw new ConflictError(`job ${id} is ${record.status}; only an ended job can be resumed`);
    const iterations = input.iterations ?? record.spec.iterations;
    if (iterations <= record.iteration) {
      throw new ConflictError(
        `job ${id} has trained ${record.iteration} iterations already; nothing to train up to ${iterations}: ask for more iterations`,
      );
    }
    // The ended BullMQ job (same id as ours) is replaced; while its worker still holds the lock it cannot be.
    const old = await queue.getJob(id);
    if (old && (await old.getState()) === 'active') {
      throw windingDown(id);
    }
    const spec: JobSpec = { ...record.spec, iterations };
    await quota.check(spec, project, await this.datasetShapeFor(spec, project));
    const fields = {
      status: 'queued' as const,
      spec,
      error: null,
      startedAt: null,
      finishedAt: null,
      cancelRequested: false,
      itPerSec: null,
    };
    const outcome = await jobs.requeueWithin({ total: maxActiveJobs, perProject: quota.limits.activeJobs }, id, record.status, fields, project);
    if (outcome === 'full') throw tooManyActive(maxActiveJobs);
    if (outcome === 'project-full') throw projectFull(project, quota.limits.activeJobs);
    if (outcome === 'gone') throw new NotFoundError(`no job ${id}`);
    if (outcome === 'changed') throw new ConflictError(`job ${id} changed meanwhile (resumed by another request?); read it again`);
    const undo = async () => {
      const { status, spec: oldSpec, error, startedAt, finishedAt, cancelRequested, itPerSec } = record;
      await jobs.updateIfExists(id, { status, spec: oldSpec, error, startedAt, finishedAt, cancelRequested, itPerSec });
    };
    try {
      if (!(await this.removeFromQueue(id))) throw windingDown(id);
    } catch (err) {
      await undo().catch(() => {});
      throw err;
    }
    // The event goes before the BullMQ job: a worker's `running` must not come before it.
    await events.append(id, 'status', { status: 'queued', error: null });
    try {
      await enqueueTraining(queue, { jobId: id, spec });
    } catch (err) {
      // The stream must end where the job ends again: the old terminal status follows the `queued`.
      await undo().catch(() => {});
      await events.append(id, 'status', { status: record.status, error: record.error }).catch(() => {});
      throw err;
    }
    return { ...record, ...fields };
  }

  /** Removes a finished job: its queue entry, its records and its artifacts. */
  async delete(id: string): Promise<void> {
    const { jobs, store } = this.deps;
    const record = await this.get(id);
    if (!isTerminal(record.status)) throw new ConflictError(`job ${id} is ${record.status}; cancel it first`);
    if (!(await this.removeFromQueue(id))) throw windingDown(id);
    await jobs.delete(id);
    await store.deletePrefix(artifactKeys.jobPrefix(id));
  }

  /** True when the BullMQ job is gone (removed now, or already); false while a worker holds its lock. */
  private async removeFromQueue(id: string): Promise<boolean> {
    // Queue.remove answers 0 when a worker holds the job's lock (and 1 when it removed the job or there was none).
    return (await this.deps.queue.remove(id)) === 1;
  }
}
