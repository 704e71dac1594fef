// A job's events in a Redis stream: the stream id is the SSE event id, so Last-Event-ID resumes without gaps or repeats.
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';
import type { JobEventName } from '../contract/job.js';
import { jobEventSchemas, type JobEvent, type JobEventData } from '../contract/events.js';

export type { JobEvent };

/** Oldest events are trimmed past this many (metrics history itself lives in the metrics store). */
const MAX_EVENTS = 20_000;
export const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const MAX_U64 = 2n ** 64n - 1n;

/** A Redis stream id: two unsigned 64-bit integers (Redis refuses a command with a larger one). */
export function isStreamId(s: string): boolean {
  return STREAM_ID.test(s) && s.split('-').every((part) => BigInt(part) <= MAX_U64);
}

export class EventLog {
  readonly keys: RedisKeys;
  constructor(readonly redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
  }

  /** Appends an event; a payload its schema (contract/events.ts) refuses is a bug, thrown before anything is written. */
  async append<E extends JobEventName>(jobId: string, event: E, data: JobEventData[E]): Promise<string> {
    jobEventSchemas[event].parse(data);
    const id = await this.redis.xadd(
      this.keys.events(jobId),
      'MAXLEN',
      '~',
      MAX_EVENTS,
      '*',
      'e',
      event,
      'd',
      JSON.stringify(data),
    );
    return id!;
  }

  /** The id of the newest event, '0-0' when there is none yet: reading after it yields only events appended later. */
  async lastId(jobId: string): Promise<string> {
    const [newest] = await this.redis.xrevrange(this.keys.events(jobId), '+', '-', 'COUNT', 1);
    return newest?.[0] ?? '0-0';
  }

  /** Events after `afterId` ('0' for all), at most `count`. */
  async read(jobId: string, afterId: string, opts: { count?: number } = {}): Promise<JobEvent[]> {
    const res = await this.redis.xread('COUNT', opts.count ?? 500, 'STREAMS', this.keys.events(jobId), afterId);
    if (!res) return [];
    const entries = res[0]?.[1] ?? [];
    return entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { id, event: f.e as JobEventName, data: JSON.parse(f.d ?? 'null') } as JobEvent;
    });
  }
}
