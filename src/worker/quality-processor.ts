// Runs the quality queue's jobs: trains a dataset's scorer (with progress), and scores a job's saved checkpoint.
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { QualityJobData, ScorerStatus } from '../contract/quality.js';
import type { JobStore } from '../jobs/job-store.js';
import type { ArtifactIndex } from '../jobs/artifact-index.js';
import type { DatasetSource } from '../gan/datasets/sources.js';
import { datasetHash } from '../gan/quality/dataset-hash.js';
import { scorerKindOf, trainScorer } from '../gan/quality/train-scorer.js';
import type { Scorer } from '../gan/quality/scorer.js';
import { ScorerUnavailableError } from '../gan/quality/scorer-unavailable-error.js';
import { loadModelFiles } from '../gan/quality/scorer-files.js';
import { enqueueQuality } from '../jobs/quality-queue.js';
import { isAppError } from '../errors.js';
import { isPermanent } from './retry-policy.js';
import { scoreAndRecord, type QualityDeps } from './quality-scoring.js';

export interface QualityProcessorDeps extends QualityDeps {
  jobs: JobStore;
  artifacts: ArtifactIndex;
  datasets: DatasetSource;
  /** Aborted when the worker shuts down: a classifier in training goes back to the queue. */
  shutdown: AbortSignal;
}

/** Thrown between classifier batches when the worker shuts down. */
class ShuttingDown extends Error {}

/** Progress reaches Redis at most this often while a classifier trains. */
const PROGRESS_MS = 500;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createQualityProcessor(deps: QualityProcessorDeps) {
  const { quality, log } = deps;

  const status = (hash: string, fields: Partial<ScorerStatus> & Pick<ScorerStatus, 'state' | 'kind'>): ScorerStatus => ({
    datasetHash: hash,
    progress: null,
    heldOutAccuracy: null,
    reference: null,
    reason: null,
    updatedAt: new Date().toISOString(),
    ...fields,
  });

  const ready = (scorer: Scorer): ScorerStatus =>
    status(scorer.meta.datasetHash, {
      state: 'ready',
      kind: scorer.meta.kind,
      heldOutAccuracy: scorer.meta.heldOutAccuracy,
      reference: scorer.meta.reference,
    });

  /** Queues a score for every saved checkpoint of the jobs that waited, except those scored already. */
  async function releaseWaiters(hash: string): Promise<void> {
    for (const jobId of await quality.takeWaiters(hash)) {
      const scored = new Set((await quality.points(jobId)).map((p) => p.iteration));
      const { items } = await deps.artifacts.listCheckpoints(jobId);
      for (const c of items) if (!scored.has(c.iteration)) await enqueueQuality(deps.queue, { kind: 'score', jobId, iteration: c.iteration });
    }
  }

  async function trainClassifier(job: Job<QualityJobData & { kind: 'classifier' }>, token?: string): Promise<{ state: string }> {
    const { dataset: ref, datasetHash: hash } = job.data;
    const qlog = log.child({ datasetHash: hash, dataset: ref, attempt: job.attemptsMade + 1 });
    // Trained before (another worker, another Redis prefix on the same store): reused as it is.
    const saved = await deps.scorers.get(hash);
    if (saved) {
      await quality.setScorer(ready(saved));
      await releaseWaiters(hash);
      return { state: 'ready' };
    }
    let kind: ScorerStatus['kind'] = 'classifier';
    try {
      const dataset = await deps.datasets.load(ref);
      kind = scorerKindOf(dataset);
      if (datasetHash(dataset) !== hash) throw new ScorerUnavailableError(`dataset ${ref} changed since the job started (its content hash differs)`);
      let shown = 0;
      await quality.setScorer(status(hash, { state: 'training', kind, progress: { done: 0, total: 1 } }));
      const scorer = await trainScorer(dataset, hash, {
        epochs: deps.epochs,
        referenceSamples: deps.samples || 2000,
        onProgress: async (done, total) => {
          if (Date.now() - shown >= PROGRESS_MS || done === total) {
            shown = Date.now();
            await quality.setScorer(status(hash, { state: 'training', kind, progress: { done, total } }));
          }
          // Lets the training job beside it in this process, lock renewals and Redis replies run between batches.
          await yieldToLoop();
          if (deps.shutdown.aborted) throw new ShuttingDown();
        },
      });
      await deps.scorers.save(scorer);
      await quality.setScorer(ready(scorer));
      qlog.info({ kind, heldOutAccuracy: scorer.meta.heldOutAccuracy, reference: scorer.meta.reference }, 'scorer ready');
      await releaseWaiters(hash);
      return { state: 'ready' };
    } catch (err) {
      if (err instanceof ShuttingDown) {
        // Started again from scratch by the next worker to take it (a few minutes of work at most).
        await quality.setScorer(status(hash, { state: 'pending', kind }));
        await job.moveToWait(token);
        qlog.info('scorer training handed back to the queue at shutdown');
        throw new WaitingError();
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const message = err instanceof Error ? err.message : String(err);
      if (!isPermanent(err) && !lastAttempt) {
        qlog.warn({ err }, 'scorer training failed; will retry');
        await quality.setScorer(status(hash, { state: 'pending', kind, reason: `attempt ${job.attemptsMade + 1} failed: ${message}` }));
        throw err;
      }
      qlog.error({ err }, 'scorer failed');
      const state = err instanceof ScorerUnavailableError ? 'unavailable' : 'failed';
      await quality.setScorer(status(hash, { state, kind, reason: isAppError(err) ? message : `internal error while training the scorer: ${message}` }));
      // Jobs that waited will not be scored: they stop waiting.
      await quality.takeWaiters(hash);
      throw new UnrecoverableError(message);
    }
  }

  async function scoreCheckpoint(job: Job<QualityJobData & { kind: 'score' }>): Promise<{ state: string }> {
    const { jobId, iteration } = job.data;
    if (!(await deps.jobs.get(jobId))) return { state: 'job-gone' };
    const hash = await quality.jobScorer(jobId);
    const state = hash ? (await quality.scorer(hash))?.state : undefined;
    if (!hash || state !== 'ready') {
      // Scored once the scorer is (releaseWaiters); a failed one never will.
      if (hash && (state === 'pending' || state === 'training')) await quality.addWaiter(hash, jobId);
      return { state: state ?? 'no-scorer' };
    }
    const record = await deps.artifacts.getCheckpoint(jobId, iteration);
    if (!record) return { state: 'checkpoint-gone' };
    const scorer = await deps.scorers.get(hash);
    if (!scorer) throw new UnrecoverableError(`scorer ${hash} is ready in Redis but missing from the artifact store`);
    const generator = await loadModelFiles(await deps.artifacts.readCheckpoint(record), 'generator');
    try {
      const point = await scoreAndRecord(deps, scorer, jobId, iteration, generator);
      log.info({ jobId, iteration, fd: point.fd, is: point.is }, 'checkpoint scored');
    } finally {
      generator.dispose();
    }
    return { state: 'scored' };
  }

  return async function processQualityJob(job: Job<QualityJobData>, token?: string): Promise<{ state: string }> {
    if (job.data.kind === 'classifier') return trainClassifier(job as Job<QualityJobData & { kind: 'classifier' }>, token);
    return scoreCheckpoint(job as Job<QualityJobData & { kind: 'score' }>);
  };
}
