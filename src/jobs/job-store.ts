// Job records in Redis: one hash per job (each field JSON), a sorted set for newest-first listing.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';
import { JOB_STATUSES, type JobRecord, type JobSpec, type JobStatus } from '../contract/job.js';

export interface ListOptions {
  status?: JobStatus;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit: number;
}

export class JobStore {
  readonly keys: RedisKeys;
  constructor(readonly redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
  }

  async create(spec: JobSpec, id: string = crypto.randomUUID()): Promise<JobRecord> {
    const seq = await this.redis.incr(this.keys.seq);
    const record: JobRecord = {
      id,
      name: spec.name ?? `${spec.model}-${spec.dataset}-${id.slice(0, 8)}`,
      status: 'queued',
      spec,
      iteration: 0,
      itPerSec: null,
      latest: null,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
      backend: null,
      dataset: null,
      cancelRequested: false,
      seq,
    };
    await this.redis.multi().hset(this.keys.job(id), encode(record)).zadd(this.keys.jobs, seq, id).exec();
    return record;
  }

  async get(id: string): Promise<JobRecord | null> {
    const raw = await this.redis.hgetall(this.keys.job(id));
    return Object.keys(raw).length === 0 ? null : decode(raw);
  }

  async update(id: string, fields: Partial<JobRecord>): Promise<void> {
    await this.redis.hset(this.keys.job(id), encode(fields));
  }

  /** Sets fields only while the job exists, so a late writer never resurrects a deleted job. */
  async updateIfExists(id: string, fields: Partial<JobRecord>): Promise<boolean> {
    const key = this.keys.job(id);
    const args = Object.entries(encode(fields)).flat();
    const n = await this.redis.eval(
      "if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], unpack(ARGV)) return 1 end return 0",
      1,
      key,
      ...args,
    );
    return n === 1;
  }

  /** Newest first. The cursor is the sequence number of the last job returned. */
  async list({ status, cursor, limit }: ListOptions): Promise<{ jobs: JobRecord[]; nextCursor: string | null }> {
    let max = cursor ? `(${Number.parseInt(cursor, 36)}` : '+inf';
    const jobs: JobRecord[] = [];
    const batch = Math.max(limit, 50);
    for (;;) {
      const ids = await this.redis.zrevrangebyscore(this.keys.jobs, max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
      if (ids.length === 0) return { jobs, nextCursor: null };
      for (let i = 0; i < ids.length; i += 2) {
        const record = await this.get(ids[i]!);
        max = `(${ids[i + 1]}`;
        if (!record || (status && record.status !== status)) continue;
        jobs.push(record);
        if (jobs.length === limit) {
          const more = await this.redis.zrevrangebyscore(this.keys.jobs, max, '-inf', 'LIMIT', 0, 1);
          return { jobs, nextCursor: more.length ? record.seq.toString(36) : null };
        }
      }
      if (ids.length < batch * 2) return { jobs, nextCursor: null };
    }
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    let cursor = '+inf';
    for (;;) {
      const ids = await this.redis.zrevrangebyscore(this.keys.jobs, cursor, '-inf', 'WITHSCORES', 'LIMIT', 0, 500);
      if (ids.length === 0) return counts;
      const pipe = this.redis.pipeline();
      for (let i = 0; i < ids.length; i += 2) pipe.hget(this.keys.job(ids[i]!), 'status');
      const res = (await pipe.exec()) ?? [];
      for (const [, v] of res) if (typeof v === 'string') counts[JSON.parse(v) as JobStatus]++;
      cursor = `(${ids[ids.length - 1]}`;
    }
  }

  /** Removes the record and everything of the job's kept in Redis. */
  async delete(id: string): Promise<void> {
    const k = this.keys;
    const sampleIds = await this.redis.zrange(k.jobSamples(id), 0, -1);
    const multi = this.redis
      .multi()
      .del(k.job(id), k.metrics(id), k.events(id), k.jobSamples(id), k.checkpoints(id))
      .zrem(k.jobs, id);
    if (sampleIds.length) multi.hdel(k.samples, ...sampleIds);
    await multi.exec();
  }
}

function encode(fields: Partial<JobRecord>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, JSON.stringify(v)]));
}

function decode(raw: Record<string, string>): JobRecord {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v)])) as JobRecord;
}
