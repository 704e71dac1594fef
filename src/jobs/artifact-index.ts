// Which samples and checkpoints a job has: records in Redis that point into the artifact store.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, artifactKeys, type RedisKeys } from '../contract/keys.js';
import { stateLast } from '../contract/checkpoint-layout.js';
import type { CheckpointRecord, SampleRecord } from '../contract/job.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { DEFAULT_PROJECT } from './job-store.js';

/**
 * Adds ARGV[1] bytes to the job's storedBytes and to its project's total, only while the job exists (a late write
 * must not resurrect a deleted job's record). The project is a field of the totals' hash, read from the job record.
 */
const ACCOUNT = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
local p = redis.call('hget', KEYS[1], 'project')
local project = p and cjson.decode(p) or ARGV[2]
redis.call('hincrby', KEYS[1], 'storedBytes', ARGV[1])
redis.call('hincrby', KEYS[2], project, ARGV[1])
return 1`;

export interface PageOptions {
  /** Iteration after which the page starts (a cursor); absent: from the first. */
  after?: number;
  /** At most this many; absent: all. */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** The iteration to pass as `after` for the next page; null on the last. */
  next: number | null;
}

export class ArtifactIndex {
  readonly keys: RedisKeys;
  constructor(readonly redis: Redis, prefix: string, readonly store: ArtifactStore) {
    this.keys = redisKeys(prefix);
  }

  /** Stores the PNG, then records it; a sample id is a UUID v4 (unguessable). */
  async addSample(jobId: string, iteration: number, png: Uint8Array): Promise<SampleRecord> {
    const id = crypto.randomUUID();
    const key = artifactKeys.sample(jobId, id);
    const { size, etag } = await this.store.put(key, png);
    const record: SampleRecord = { id, jobId, iteration, createdAt: new Date().toISOString(), key, size, etag };
    // A sample re-made after a resume replaces the one of the same iteration.
    const old = await this.redis.zrangebyscore(this.keys.jobSamples(jobId), iteration, iteration);
    const replaced = old.length ? (await this.redis.hmget(this.keys.samples, ...old)).filter((r): r is string => r !== null) : [];
    const multi = this.redis.multi().hset(this.keys.samples, id, JSON.stringify(record)).zadd(this.keys.jobSamples(jobId), iteration, id);
    if (old.length) multi.zrem(this.keys.jobSamples(jobId), ...old).hdel(this.keys.samples, ...old);
    await multi.exec();
    await this.account(jobId, size - replaced.reduce((sum, r) => sum + (JSON.parse(r) as SampleRecord).size, 0));
    return record;
  }

  /** Samples by iteration: every one, or a page of `limit` after iteration `after`. */
  async listSamples(jobId: string, page?: PageOptions): Promise<Page<SampleRecord>> {
    const { ids, next } = await this.pageOf(this.keys.jobSamples(jobId), page);
    if (ids.length === 0) return { items: [], next };
    const raw = await this.redis.hmget(this.keys.samples, ...ids);
    return { items: raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as SampleRecord), next };
  }

  /** Members of a sorted set scored by iteration, after `after`, at most `limit`; `next` is the last score when more follow. */
  private async pageOf(key: string, page: PageOptions = {}): Promise<{ ids: string[]; next: number | null }> {
    const min = page.after === undefined ? '-inf' : `(${page.after}`;
    const limit = page.limit ?? Number.MAX_SAFE_INTEGER;
    const flat = await this.redis.zrangebyscore(key, min, '+inf', 'WITHSCORES', 'LIMIT', 0, Math.min(limit + 1, 2 ** 31 - 1));
    const ids: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      ids.push(flat[i]!);
      scores.push(Number(flat[i + 1]));
    }
    if (ids.length <= limit) return { ids, next: null };
    return { ids: ids.slice(0, limit), next: scores[limit - 1]! };
  }

  async getSample(id: string): Promise<SampleRecord | null> {
    const raw = await this.redis.hget(this.keys.samples, id);
    return raw ? (JSON.parse(raw) as SampleRecord) : null;
  }

  /** Writes every file, state.json last, then records the checkpoint: a recorded checkpoint is always whole. */
  async addCheckpoint(jobId: string, iteration: number, files: Map<string, Uint8Array>): Promise<CheckpointRecord> {
    const prefix = artifactKeys.checkpointPrefix(jobId, iteration);
    const names = [...files.keys()].sort(stateLast);
    let size = 0;
    for (const name of names) {
      const bytes = files.get(name)!;
      await this.store.put(`${prefix}/${name}`, bytes);
      size += bytes.byteLength;
    }
    const record: CheckpointRecord = { iteration, size, createdAt: new Date().toISOString(), prefix, files: names };
    const replaced = await this.redis.hget(this.keys.checkpoints(jobId), String(iteration));
    await this.indexCheckpoints(jobId);
    await this.redis
      .multi()
      .hset(this.keys.checkpoints(jobId), String(iteration), JSON.stringify(record))
      .zadd(this.keys.checkpointIndex(jobId), iteration, String(iteration))
      .exec();
    await this.account(jobId, size - (replaced ? (JSON.parse(replaced) as CheckpointRecord).size : 0));
    return record;
  }

  /**
   * Deletes all but the newest `keep` checkpoints and returns their iterations. Records go first, so a listed
   * checkpoint is always whole; the newest is never touched, so a resume always finds what it needs.
   */
  async pruneCheckpoints(jobId: string, keep: number): Promise<number[]> {
    await this.indexCheckpoints(jobId);
    const iterations = await this.redis.zrange(this.keys.checkpointIndex(jobId), 0, -(keep + 1));
    if (iterations.length === 0) return [];
    const old = (await this.redis.hmget(this.keys.checkpoints(jobId), ...iterations))
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as CheckpointRecord);
    await this.redis
      .multi()
      .hdel(this.keys.checkpoints(jobId), ...iterations)
      .zrem(this.keys.checkpointIndex(jobId), ...iterations)
      .exec();
    await this.account(jobId, -old.reduce((sum, c) => sum + c.size, 0));
    for (const c of old) await this.store.deletePrefix(c.prefix);
    return iterations.map(Number);
  }

  /** Checkpoints by iteration: every one, or a page of `limit` after iteration `after`. */
  async listCheckpoints(jobId: string, page?: PageOptions): Promise<Page<CheckpointRecord>> {
    await this.indexCheckpoints(jobId);
    const { ids, next } = await this.pageOf(this.keys.checkpointIndex(jobId), page);
    if (ids.length === 0) return { items: [], next };
    const raw = await this.redis.hmget(this.keys.checkpoints(jobId), ...ids);
    return { items: raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as CheckpointRecord), next };
  }

  /** One checkpoint, or the latest (one read of the index, however many there are). */
  async getCheckpoint(jobId: string, iteration?: number): Promise<CheckpointRecord | null> {
    if (iteration === undefined) {
      await this.indexCheckpoints(jobId);
      const [newest] = await this.redis.zrange(this.keys.checkpointIndex(jobId), -1, -1);
      if (newest === undefined) return null;
      iteration = Number(newest);
    }
    const raw = await this.redis.hget(this.keys.checkpoints(jobId), String(iteration));
    return raw ? (JSON.parse(raw) as CheckpointRecord) : null;
  }

  /** Records written before the index existed get one (once: afterwards the index is never empty while records exist). */
  private async indexCheckpoints(jobId: string): Promise<void> {
    const k = this.keys;
    if ((await this.redis.exists(k.checkpointIndex(jobId))) || !(await this.redis.exists(k.checkpoints(jobId)))) return;
    const iterations = await this.redis.hkeys(k.checkpoints(jobId));
    if (iterations.length) await this.redis.zadd(k.checkpointIndex(jobId), ...iterations.flatMap((i) => [Number(i), i]));
  }

  /** Bytes a project's samples and checkpoints take in the artifact store. */
  async projectBytes(project: string): Promise<number> {
    return Number((await this.redis.hget(this.keys.projectBytes, project)) ?? 0);
  }

  private async account(jobId: string, delta: number): Promise<void> {
    if (delta !== 0) await this.redis.eval(ACCOUNT, 2, this.keys.job(jobId), this.keys.projectBytes, delta, DEFAULT_PROJECT);
  }

  async readCheckpoint(record: CheckpointRecord): Promise<Map<string, Uint8Array>> {
    const files = new Map<string, Uint8Array>();
    for (const name of record.files) {
      const bytes = await this.store.get(`${record.prefix}/${name}`);
      if (!bytes) throw new Error(`checkpoint ${record.prefix} lacks ${name}`);
      files.set(name, bytes);
    }
    return files;
  }
}
