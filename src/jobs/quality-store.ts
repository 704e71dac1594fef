// Quality scores in Redis: a job's points by checkpoint iteration, which scorer it uses, and each scorer's state.
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';
import {
  qualityPointSchema,
  scorerStatusSchema,
  type JobQuality,
  type QualityPoint,
  type ScorerStatus,
} from '../contract/quality.js';

export class QualityStore {
  private readonly keys: RedisKeys;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Writes a point at its iteration: scoring a checkpoint again replaces its point. Checked against the contract. */
  async writePoint(jobId: string, point: QualityPoint): Promise<void> {
    const checked = qualityPointSchema.parse(point);
    await this.redis.hset(this.keys.quality(jobId), String(checked.iteration), JSON.stringify(checked));
  }

  /** A job's points, by iteration ascending. */
  async points(jobId: string): Promise<QualityPoint[]> {
    const raw = await this.redis.hvals(this.keys.quality(jobId));
    return raw.map((r) => JSON.parse(r) as QualityPoint).sort((a, b) => a.iteration - b.iteration);
  }

  /** The newest point (highest iteration), or null. */
  async latest(jobId: string): Promise<QualityPoint | null> {
    const points = await this.points(jobId);
    return points.at(-1) ?? null;
  }

  /** The newest point of each job (null for none), in one round trip: job lists show every job's latest quality. */
  async latestOf(jobIds: readonly string[]): Promise<Map<string, QualityPoint | null>> {
    const found = new Map<string, QualityPoint | null>();
    if (jobIds.length === 0) return found;
    const pipeline = this.redis.pipeline();
    for (const id of jobIds) pipeline.hvals(this.keys.quality(id));
    const replies = (await pipeline.exec()) ?? [];
    jobIds.forEach((id, i) => {
      const [err, raw] = replies[i] ?? [null, []];
      if (err) throw err;
      let newest: QualityPoint | null = null;
      for (const r of raw as string[]) {
        const point = JSON.parse(r) as QualityPoint;
        if (!newest || point.iteration > newest.iteration) newest = point;
      }
      found.set(id, newest);
    });
    return found;
  }

  /** Records which dataset (content hash) a job's scores come from. */
  async setJobScorer(jobId: string, datasetHash: string): Promise<void> {
    await this.redis.set(this.keys.jobScorer(jobId), datasetHash);
  }

  async jobScorer(jobId: string): Promise<string | null> {
    return this.redis.get(this.keys.jobScorer(jobId));
  }

  async setScorer(status: ScorerStatus): Promise<void> {
    const checked = scorerStatusSchema.parse(status);
    await this.redis.set(this.keys.scorer(checked.datasetHash), JSON.stringify(checked));
  }

  /** Sets a scorer's state only if none is recorded yet; true when this call created it (so exactly one caller queues its training). */
  async claimScorer(status: ScorerStatus): Promise<boolean> {
    const checked = scorerStatusSchema.parse(status);
    return (await this.redis.set(this.keys.scorer(checked.datasetHash), JSON.stringify(checked), 'NX')) === 'OK';
  }

  async scorer(datasetHash: string): Promise<ScorerStatus | null> {
    const raw = await this.redis.get(this.keys.scorer(datasetHash));
    return raw ? (JSON.parse(raw) as ScorerStatus) : null;
  }

  /** A job waits for a scorer that is not ready: its checkpoints are scored when the scorer is. */
  async addWaiter(datasetHash: string, jobId: string): Promise<void> {
    await this.redis.sadd(this.keys.scorerWaiters(datasetHash), jobId);
  }

  /** Removes and returns the jobs waiting for a scorer. */
  async takeWaiters(datasetHash: string): Promise<string[]> {
    const [[, members]] = (await this.redis
      .multi()
      .smembers(this.keys.scorerWaiters(datasetHash))
      .del(this.keys.scorerWaiters(datasetHash))
      .exec()) as [[Error | null, string[]], [Error | null, number]];
    return members;
  }

  /** GET /jobs/{id}/quality: the job's scorer state and points. */
  async jobQuality(jobId: string): Promise<JobQuality> {
    const hash = await this.jobScorer(jobId);
    const [scorer, points] = await Promise.all([hash ? this.scorer(hash) : null, this.points(jobId)]);
    return { jobId, scorer, points };
  }

  /** Removes a job's quality keys (with the job); scorers are shared by datasets and stay. */
  async deleteJob(jobId: string): Promise<void> {
    await this.redis.del(this.keys.quality(jobId), this.keys.jobScorer(jobId));
  }
}
