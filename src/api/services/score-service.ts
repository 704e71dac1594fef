// Scores a job's saved checkpoint on demand: checks the job, the checkpoint and its scorer, then queues the scoring.
import type { Queue } from 'bullmq';
import type { QualityJobData, ScorerState } from '../../contract/quality.js';
import type { ArtifactIndex } from '../../jobs/artifact-index.js';
import type { QualityStore } from '../../jobs/quality-store.js';
import { enqueueQuality } from '../../jobs/quality-queue.js';
import { ScorerUnavailableError } from '../../gan/quality/scorer-unavailable-error.js';
import { NotFoundError } from './errors.js';
import type { JobsService } from './jobs-service.js';

export interface ScoreRequest {
  jobId: string;
  iteration: number;
  /** The scorer's state when queued: `ready` (scored soon) or `pending`/`training` (scored once it is ready). */
  scorer: ScorerState;
  /** Where the point appears, with a `quality` event on the job's stream. */
  quality: string;
}

export class ScoreService {
  constructor(
    private readonly deps: {
      jobs: JobsService;
      index: ArtifactIndex;
      quality: QualityStore;
      queue: Queue<QualityJobData>;
      /** GANFORGE_QUALITY_SAMPLES: 0 turns scoring off. */
      samples: number;
    },
  ) {}

  async scoreCheckpoint(jobId: string, iteration: number): Promise<ScoreRequest> {
    await this.deps.jobs.get(jobId);
    if (!(await this.deps.index.getCheckpoint(jobId, iteration))) throw new NotFoundError(`job ${jobId} has no checkpoint at iteration ${iteration}`);
    if (this.deps.samples === 0) throw new ScorerUnavailableError('quality scoring is turned off on this service (GANFORGE_QUALITY_SAMPLES=0)');
    const hash = await this.deps.quality.jobScorer(jobId);
    const scorer = hash ? await this.deps.quality.scorer(hash) : null;
    if (!scorer) {
      throw new ScorerUnavailableError(`job ${jobId} has no scorer: it was trained without quality scoring; resume it to get one`);
    }
    if (scorer.state === 'failed' || scorer.state === 'unavailable') {
      throw new ScorerUnavailableError(`the scorer of job ${jobId}'s dataset is ${scorer.state}: ${scorer.reason ?? 'no reason recorded'}`);
    }
    await enqueueQuality(this.deps.queue, { kind: 'score', jobId, iteration });
    return { jobId, iteration, scorer: scorer.state, quality: `/jobs/${jobId}/quality` };
  }
}
