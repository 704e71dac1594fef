// Live workers: each writes a heartbeat every few seconds; one not heard from within WORKER_TTL_MS is pruned.
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';

export const HEARTBEAT_INTERVAL_MS = 5_000;
export const WORKER_TTL_MS = 30_000;

/** The GPU a worker claimed (nvidia-smi's index, the UUID it set CUDA_VISIBLE_DEVICES to, the model name). */
export interface WorkerGpu {
  index: number;
  uuid: string;
  name: string;
}

/** What a worker says about itself. */
export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  backend: { name: string; provider: string };
  /** Its GPU; null when it claimed none. Absent from heartbeats of workers older than GPU claims. */
  gpu?: WorkerGpu | null;
  /** The job it trains now, if any. */
  job: { id: string; iteration: number; itPerSec: number | null } | null;
  startedAt: string;
}

export interface WorkerHeartbeat extends WorkerInfo {
  /** Redis' clock at the last heartbeat, so that workers' clocks need not agree with the API's. */
  lastSeenAt: string;
}

// Times come from Redis (TIME) in both scripts: one clock for every host.
const NOW_MS = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

const BEAT = `${NOW_MS}
redis.call('zadd', KEYS[1], now, ARGV[1])
redis.call('hset', KEYS[2], ARGV[1], ARGV[2])
return 1`;

const PRUNE_AND_LIST = `${NOW_MS}
local stale = redis.call('zrangebyscore', KEYS[1], '-inf', string.format('(%d', now - tonumber(ARGV[1])))
for _, id in ipairs(stale) do
  redis.call('zrem', KEYS[1], id)
  redis.call('hdel', KEYS[2], id)
end
return redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES')`;

export class WorkerRegistry {
  readonly keys: RedisKeys;
  constructor(readonly redis: Redis, prefix: string, private readonly ttlMs = WORKER_TTL_MS) {
    this.keys = redisKeys(prefix);
  }

  async beat(info: WorkerInfo): Promise<void> {
    await this.redis.eval(BEAT, 2, this.keys.workersSeen, this.keys.workers, info.id, JSON.stringify(info));
  }

  async remove(id: string): Promise<void> {
    await this.redis.multi().zrem(this.keys.workersSeen, id).hdel(this.keys.workers, id).exec();
  }

  /** Workers heard from within the TTL, by id; the others are removed on the way. */
  async list(): Promise<WorkerHeartbeat[]> {
    const seen = (await this.redis.eval(PRUNE_AND_LIST, 2, this.keys.workersSeen, this.keys.workers, this.ttlMs)) as string[];
    if (seen.length === 0) return [];
    const ids = seen.filter((_, i) => i % 2 === 0);
    const raw = await this.redis.hmget(this.keys.workers, ...ids);
    const workers: WorkerHeartbeat[] = [];
    raw.forEach((json, i) => {
      if (json) workers.push({ ...(JSON.parse(json) as WorkerInfo), lastSeenAt: new Date(Number(seen[i * 2 + 1])).toISOString() });
    });
    return workers.sort((a, b) => a.id.localeCompare(b.id));
  }
}
