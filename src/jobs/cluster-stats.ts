// Counters every worker adds to in one Redis hash, so the API can serve cluster-wide totals on GET /metrics.
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';

/** Upper bounds (seconds) of the step-time histogram: a GPU step takes milliseconds, a big CPU batch seconds. */
export const STEP_TIME_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export const JOB_COUNTERS = ['started', 'completed', 'failed', 'cancelled'] as const;
export type JobCounter = (typeof JOB_COUNTERS)[number];

/** Step times: per-bucket counts (not cumulative; the last one is above the largest bound), their sum and count. */
export interface StepTimes {
  counts: number[];
  sum: number;
  count: number;
}

const emptyStepTimes = (): StepTimes => ({ counts: new Array<number>(STEP_TIME_BUCKETS.length + 1).fill(0), sum: 0, count: 0 });
const bucketField = (i: number) => `step:le:${STEP_TIME_BUCKETS[i] ?? '+Inf'}`;

/** Collects step times in the worker between two writes to Redis (one write per heartbeat, not one per step). */
export class StepTimeRecorder {
  private pending = emptyStepTimes();

  observe(seconds: number): void {
    const i = STEP_TIME_BUCKETS.findIndex((bound) => seconds <= bound);
    this.pending.counts[i === -1 ? STEP_TIME_BUCKETS.length : i]!++;
    this.pending.sum += seconds;
    this.pending.count++;
  }

  /** What was observed since the last take; null when nothing was. */
  take(): StepTimes | null {
    if (this.pending.count === 0) return null;
    const taken = this.pending;
    this.pending = emptyStepTimes();
    return taken;
  }
}

export class ClusterStats {
  readonly keys: RedisKeys;
  constructor(readonly redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
  }

  async countJob(counter: JobCounter): Promise<void> {
    await this.redis.hincrby(this.keys.stats, `jobs:${counter}`, 1);
  }

  async addStepTimes(times: StepTimes): Promise<void> {
    const multi = this.redis.multi();
    times.counts.forEach((n, i) => n > 0 && multi.hincrby(this.keys.stats, bucketField(i), n));
    await multi.hincrbyfloat(this.keys.stats, 'step:sum', times.sum).hincrby(this.keys.stats, 'step:count', times.count).exec();
  }

  async read(): Promise<{ jobs: Record<JobCounter, number>; stepTimes: StepTimes }> {
    const raw = await this.redis.hgetall(this.keys.stats);
    const num = (field: string) => Number(raw[field] ?? 0);
    const jobs = Object.fromEntries(JOB_COUNTERS.map((c) => [c, num(`jobs:${c}`)])) as Record<JobCounter, number>;
    const counts = emptyStepTimes().counts.map((_, i) => num(bucketField(i)));
    return { jobs, stepTimes: { counts, sum: num('step:sum'), count: num('step:count') } };
  }
}
