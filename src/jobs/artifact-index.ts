// Which samples and checkpoints a job has: records in Redis that point into the artifact store.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, artifactKeys, type RedisKeys } from '../contract/keys.js';
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

  async listSamples(jobId: string): Promise<SampleRecord[]> {
    const ids = await this.redis.zrange(this.keys.jobSamples(jobId), 0, -1);
    if (ids.length === 0) return [];
    const raw = await this.redis.hmget(this.keys.samples, ...ids);
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as SampleRecord);
  }

  async getSample(id: string): Promise<SampleRecord | null> {
    const raw = await this.redis.hget(this.keys.samples, id);
    return raw ? (JSON.parse(raw) as SampleRecord) : null;
  }

  /** Writes every file, state.json last, then records the checkpoint: a recorded checkpoint is always whole. */
  async addCheckpoint(jobId: string, iteration: number, files: Map<string, Uint8Array>): Promise<CheckpointRecord> {
    const prefix = artifactKeys.checkpointPrefix(jobId, iteration);
    const names = [...files.keys()].sort((a, b) => Number(a === 'state.json') - Number(b === 'state.json'));
    let size = 0;
    for (const name of names) {
      const bytes = files.get(name)!;
      await this.store.put(`${prefix}/${name}`, bytes);
      size += bytes.byteLength;
    }
    const record: CheckpointRecord = { iteration, size, createdAt: new Date().toISOString(), prefix, files: names };
    const replaced = await this.redis.hget(this.keys.checkpoints(jobId), String(iteration));
    await this.redis.hset(this.keys.checkpoints(jobId), String(iteration), JSON.stringify(record));
    await this.account(jobId, size - (replaced ? (JSON.parse(replaced) as CheckpointRecord).size : 0));
    return record;
  }

  /**
   * Deletes all but the newest `keep` checkpoints and returns their iterations. Records go first, so a listed
   * checkpoint is always whole; the newest is never touched, so a resume always finds what it needs.
   */
  async pruneCheckpoints(jobId: string, keep: number): Promise<number[]> {
    const all = await this.listCheckpoints(jobId);
    const old = all.slice(0, Math.max(0, all.length - keep));
    if (old.length === 0) return [];
    await this.redis.hdel(this.keys.checkpoints(jobId), ...old.map((c) => String(c.iteration)));
    await this.account(jobId, -old.reduce((sum, c) => sum + c.size, 0));
    for (const c of old) await this.store.deletePrefix(c.prefix);
    return old.map((c) => c.iteration);
  }

  async listCheckpoints(jobId: string): Promise<CheckpointRecord[]> {
    const raw = await this.redis.hvals(this.keys.checkpoints(jobId));
    return raw.map((r) => JSON.parse(r) as CheckpointRecord).sort((a, b) => a.iteration - b.iteration);
  }

  async getCheckpoint(jobId: string, iteration?: number): Promise<CheckpointRecord | null> {
    if (iteration !== undefined) {
      const raw = await this.redis.hget(this.keys.checkpoints(jobId), String(iteration));
      return raw ? (JSON.parse(raw) as CheckpointRecord) : null;
    }
    const all = await this.listCheckpoints(jobId);
    return all.at(-1) ?? null;
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
