// Deletes ended jobs older than GANFORGE_JOB_RETENTION_DAYS, with their Redis records and artifacts. One API replica
// sweeps at a time (a lock in Redis); each sweep looks at the oldest jobs, where the expired ones are.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { isTerminal } from '../../contract/job.js';
import { redisKeys } from '../../contract/keys.js';
import type { JobStore } from '../../jobs/job-store.js';
import type { JobsService } from './jobs-service.js';

/** Where a sweep reports (pino's and fastify's loggers both fit). */
interface SweepLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Jobs looked at per sweep, oldest first. */
const BATCH = 500;

export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private readonly lockKey: string;

  constructor(
    private readonly deps: { redis: Redis; prefix: string; store: JobStore; jobs: JobsService; retentionMs: number; log: SweepLog },
  ) {
    this.lockKey = `${redisKeys(deps.prefix).jobs}:sweep-lock`;
  }

  /** Sweeps every `intervalMs` (the first time after one interval) until stop(). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.deps.log.warn({ err }, 'retention sweep failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Deletes the expired among the oldest jobs; returns their ids (none when another replica holds the lock). */
  async sweep(now = Date.now()): Promise<string[]> {
    const { redis, store, jobs, retentionMs, log } = this.deps;
    const token = crypto.randomUUID();
    if ((await redis.set(this.lockKey, token, 'PX', 60_000, 'NX')) !== 'OK') return [];
    const deleted: string[] = [];
    try {
      for (const id of await redis.zrange(store.keys.jobs, 0, BATCH - 1)) {
        const record = await store.get(id);
        if (!record || !isTerminal(record.status) || !record.finishedAt) continue;
        if (now - Date.parse(record.finishedAt) < retentionMs) continue;
        try {
          await jobs.delete(id);
          deleted.push(id);
        } catch (err) {
          log.warn({ err, jobId: id }, 'could not delete an expired job');
        }
      }
    } finally {
      if ((await redis.get(this.lockKey)) === token) await redis.del(this.lockKey);
    }
    if (deleted.length) log.info({ count: deleted.length }, 'deleted jobs past GANFORGE_JOB_RETENTION_DAYS');
    return deleted;
  }
}
