// Runs one queued training job: resume from the latest checkpoint, train with the engine, record the outcome.
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { GanTrainer } from '../gan/trainer.js';
import { describeDataset } from '../gan/datasets/dataset.js';
import type { DatasetSource } from '../gan/datasets/sources.js';
import { isTerminal, metricNames, type JobStatus, type TrainJobData } from '../contract/job.js';
import type { ClusterStats, JobCounter } from '../jobs/cluster-stats.js';
import { JobReporter, type ReporterDeps } from './job-reporter.js';
import { isPermanent } from './retry-policy.js';
import { DEFAULT_PROJECT } from '../jobs/job-store.js';
import { JobQuality } from './job-quality.js';
import type { QualityDeps } from './quality-scoring.js';

export interface ProcessorDeps extends ReporterDeps {
  log: Logger;
  redis: Redis;
  /** BullMQ's lock key of a job: it holds the token of the worker that owns the job. */
  lockKey: (jobId: string) => string;
  backend: string;
  /** Where datasets come from by reference (built-in name or uploaded id), cached by the source. */
  datasets: DatasetSource;
  /** Aborted when the worker shuts down: the job checkpoints and goes back to the queue. */
  shutdown: AbortSignal;
  /** Cluster-wide job counters served by the API's GET /metrics. */
  stats: ClusterStats;
  /** Sample-quality scoring at checkpoints; absent: none. */
  quality?: QualityDeps;
}

export function createTrainProcessor(deps: ProcessorDeps) {
  const { jobs, events, artifacts, log } = deps;

  // The event goes first: an SSE follower that sees a terminal record knows the stream already holds its last event.
  const finish = async (jobId: string, status: JobStatus & JobCounter, error: string | null = null) => {
    await events.append(jobId, 'status', { status, error });
    await jobs.updateIfExists(jobId, { status, error, finishedAt: new Date().toISOString(), itPerSec: null });
    await deps.stats.countJob(status);
  };

  return async function processTrainJob(job: Job<TrainJobData>, token?: string): Promise<{ status: JobStatus }> {
    const { jobId, spec } = job.data;
    const jlog = log.child({ jobId, attempt: job.attemptsMade + 1 });
    const record = await jobs.get(jobId);
    if (!record) {
      jlog.warn('job record is gone (deleted); skipping');
      return { status: 'cancelled' };
    }
    if (isTerminal(record.status)) return { status: record.status };
    if (record.cancelRequested) {
      await finish(jobId, 'cancelled');
      return { status: 'cancelled' };
    }

    let trainer: GanTrainer | undefined;
    try {
      const dataset = await deps.datasets.load(spec.dataset);
      const latest = await artifacts.getCheckpoint(jobId);
      const checkpoint = latest ? await artifacts.readCheckpoint(latest) : undefined;
      const { name: _name, keepCheckpoints: _keep, ...config } = spec;
      trainer = await GanTrainer.create({ config, dataset, checkpoint });
      const start = trainer.iteration;
      jlog.info({ backend: deps.backend, dataset: describeDataset(dataset), resumeFrom: latest?.iteration ?? null }, 'training');
      await jobs.updateIfExists(jobId, {
        status: 'running',
        startedAt: record.startedAt ?? new Date().toISOString(),
        backend: deps.backend,
        dataset: { name: dataset.name, source: dataset.source, count: dataset.count },
        iteration: start,
        error: null,
      });
      // A job taken up again (another attempt, or after a worker's shutdown) was started already; one resumed through
      // the API had its startedAt cleared and counts as a new start, as its end counts as a new finish.
      if (!record.startedAt) await deps.stats.countJob('started');
      deps.activity.progress(jobId, start, null);
      await events.append(jobId, 'status', { status: 'running', error: null, resumedFrom: latest?.iteration ?? null });
      // A cancel that came while the job was being picked up (the API could not take it off the queue any more)
      // stops it before the first step; one that comes later, at the first progress report (after one iteration).
      if ((await jobs.get(jobId))?.cancelRequested) {
        await finish(jobId, 'cancelled');
        jlog.info({ iteration: start }, 'cancelled before training');
        return { status: 'cancelled' };
      }

      // A worker frozen past its lock (and replaced) must not write into the job any more.
      const ownsJob = async () => !token || (await deps.redis.get(deps.lockKey(jobId))) === token;
      const maxRuntime = deps.quota?.maxRuntimeSeconds ?? 0;
      const startedAt = Date.parse(record.startedAt ?? new Date().toISOString());
      const reporter = new JobReporter(deps, {
        jobId,
        iterations: spec.iterations,
        startIteration: start,
        publishedUpTo: record.iteration,
        ownsJob,
        keepCheckpoints: spec.keepCheckpoints,
        limits: { project: record.project ?? DEFAULT_PROJECT, deadline: maxRuntime > 0 ? startedAt + maxRuntime * 1000 : null },
        names: metricNames(spec.model),
      });
      // Quality is a by-product: a scorer that cannot be found, queued or run never stops the training.
      const quality = deps.quality
        ? await JobQuality.start(deps.quality, jobId, spec.dataset, dataset).catch((err: unknown) => {
            jlog.warn({ err }, 'no quality scores for this run');
            return null;
          })
        : null;
      if (quality) {
        reporter.afterCheckpoint = async (iteration) => {
          await quality.checkpoint(iteration, trainer!.generator).catch((err: unknown) => jlog.warn({ err, iteration }, 'checkpoint not scored'));
        };
      }
      const onShutdown = () => reporter.abort.abort();
      deps.shutdown.addEventListener('abort', onShutdown);
      let result;
      try {
        result = await trainer.run(reporter.callbacks, reporter.abort.signal);
        await reporter.flush();
      } finally {
        deps.shutdown.removeEventListener('abort', onShutdown);
      }

      if (!result.stopped) {
        await finish(jobId, 'completed');
        jlog.info({ iteration: result.iteration }, 'completed');
        return { status: 'completed' };
      }
      if (reporter.stopReason === 'deleted') return { status: 'cancelled' };
      if (reporter.stopReason === 'lost') {
        jlog.warn({ iteration: result.iteration }, 'lost the job lock (another worker took over); stopped writing');
        return { status: 'running' };
      }
      if (reporter.stopReason === 'cancelled') {
        await finish(jobId, 'cancelled');
        jlog.info({ iteration: result.iteration }, 'cancelled');
        return { status: 'cancelled' };
      }
      if (reporter.stopReason === 'timeout') {
        // Saved first, so that a resume (which starts a new run) continues from here.
        const files = await trainer.checkpoint();
        try {
          await reporter.callbacks.onCheckpoint!({ iteration: trainer.iteration, files });
        } catch (err) {
          jlog.warn({ err }, 'no checkpoint at the runtime limit');
        }
        const message = `stopped at iteration ${result.iteration}: a run may train ${maxRuntime} s at most (GANFORGE_QUOTA_MAX_RUNTIME_SECONDS); resume it to go on`;
        await finish(jobId, 'failed', message);
        jlog.warn({ iteration: result.iteration }, 'runtime limit reached');
        return { status: 'failed' };
      }
      // Shutting down: save where we are and hand the job back for another worker to continue at once.
      await reporter.callbacks.onCheckpoint!({ iteration: trainer.iteration, files: await trainer.checkpoint() });
      await jobs.updateIfExists(jobId, { status: 'queued', itPerSec: null });
      await events.append(jobId, 'status', { status: 'queued', error: null });
      await job.moveToWait(token);
      jlog.info({ iteration: result.iteration }, 'handed back to the queue at shutdown');
      throw new WaitingError();
    } catch (err) {
      if (err instanceof WaitingError) throw err;
      const permanent = isPermanent(err);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const message = err instanceof Error ? err.message : String(err);
      if (permanent || lastAttempt) {
        jlog.error({ err }, 'failed');
        await finish(jobId, 'failed', message);
        throw permanent ? new UnrecoverableError(message) : err;
      }
      jlog.warn({ err }, 'attempt failed; will retry');
      await jobs.updateIfExists(jobId, { status: 'queued', error: `attempt ${job.attemptsMade + 1} failed: ${message}` });
      throw err;
    } finally {
      trainer?.dispose();
      deps.activity.idle();
    }
  };
}
