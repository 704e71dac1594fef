// A training job's quality scores: its dataset's scorer found or queued at start, each checkpoint scored or left waiting.
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../gan/datasets/dataset.js';
import { datasetHash } from '../gan/quality/dataset-hash.js';
import { enqueueQuality } from '../jobs/quality-queue.js';
import type { ScorerStatus } from '../contract/quality.js';
import { scorerKindOf } from '../gan/quality/train-scorer.js';
import { scoreAndRecord, type QualityDeps } from './quality-scoring.js';

export class JobQuality {
  private constructor(
    private readonly deps: QualityDeps,
    private readonly jobId: string,
    readonly hash: string,
  ) {}

  /**
   * Records the job's scorer (the dataset's content hash) and queues its training once when no scorer exists yet;
   * null when scoring is off (GANFORGE_QUALITY_SAMPLES=0).
   */
  static async start(deps: QualityDeps, jobId: string, datasetRef: string, dataset: Dataset): Promise<JobQuality | null> {
    if (deps.samples === 0) return null;
    const hash = datasetHash(dataset);
    await deps.quality.setJobScorer(jobId, hash);
    const pending: ScorerStatus = {
      datasetHash: hash,
      kind: scorerKindOf(dataset),
      state: 'pending',
      progress: null,
      heldOutAccuracy: null,
      reference: null,
      reason: null,
      updatedAt: new Date().toISOString(),
    };
    // Queued by the first job to claim it; a pending one is queued again (a no-op while it is queued, and a scorer
    // whose queue entry was lost gets one).
    const claimed = await deps.quality.claimScorer(pending);
    if (claimed || (await deps.quality.scorer(hash))?.state === 'pending') {
      await enqueueQuality(deps.queue, { kind: 'classifier', dataset: datasetRef, datasetHash: hash });
      if (claimed) deps.log.info({ jobId, datasetHash: hash }, 'scorer queued for training');
    }
    return new JobQuality(deps, jobId, hash);
  }

  /**
   * At a checkpoint: scores the in-memory generator when the scorer is ready (inference only, on the scorer's own
   * seeded noise: training's weights and draws are untouched); otherwise the job waits and the checkpoint is scored
   * from its saved files once the scorer is ready.
   */
  async checkpoint(iteration: number, generator: tf.LayersModel): Promise<void> {
    let state = (await this.deps.quality.scorer(this.hash))?.state;
    if (state === 'pending' || state === 'training') {
      await this.deps.quality.addWaiter(this.hash, this.jobId);
      // The scorer may have become ready (and taken its waiters) between the two reads: then score here.
      state = (await this.deps.quality.scorer(this.hash))?.state;
    }
    if (state !== 'ready') return;
    const scorer = await this.deps.scorers.get(this.hash);
    if (!scorer) {
      this.deps.log.warn({ jobId: this.jobId, datasetHash: this.hash }, 'scorer is ready in Redis but not in the artifact store');
      return;
    }
    const point = await scoreAndRecord(this.deps, scorer, this.jobId, iteration, generator);
    this.deps.log.debug({ jobId: this.jobId, iteration, fd: point.fd, is: point.is, seconds: point.seconds }, 'checkpoint scored');
  }
}
