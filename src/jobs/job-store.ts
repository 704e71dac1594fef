// Job records in Redis: one hash per job (each field JSON), a sorted set for newest-first listing, a set of active ids.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';
import { JOB_STATUSES, type JobRecord, type JobSpec, type JobStatus } from '../contract/job.js';

export interface ListOptions {
  /** Only this project's jobs (all jobs when absent). */
  project?: string;
  status?: JobStatus;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit: number;
}

/**
 * Creates the record only while the active set is smaller than ARGV[1] and the project's active jobs (its jobs that
 * are in the active set) fewer than ARGV[4] (0: no limit). 1 done, 0 full, -1 the project is full.
 */
const CREATE_WITHIN = `
if tonumber(ARGV[1]) > 0 and redis.call('scard', KEYS[3]) >= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[4]) > 0 and redis.call('zintercard', 2, KEYS[4], KEYS[3]) >= tonumber(ARGV[4]) then return -1 end
redis.call('hset', KEYS[1], unpack(ARGV, 5))
redis.call('zadd', KEYS[2], ARGV[2], ARGV[3])
redis.call('zadd', KEYS[4], ARGV[2], ARGV[3])
redis.call('sadd', KEYS[3], ARGV[3])
return 1`;

/** Sets fields only while the job exists; ARGV[1] 'add' or 'rem' keeps the active set in step with the status. */
const UPDATE_IF_EXISTS = `
if redis.call('exists', KEYS[1]) == 0 then return 0 end
redis.call('hset', KEYS[1], unpack(ARGV, 3))
if ARGV[1] == 'add' then redis.call('sadd', KEYS[2], ARGV[2]) elseif ARGV[1] == 'rem' then redis.call('srem', KEYS[2], ARGV[2]) end
return 1`;

/**
 * Puts an ended job back in the queue: only while its status is still ARGV[3] (what the caller checked) and the active
 * set is smaller than ARGV[1] (0: no limit). 1 done, 0 full, -1 gone, -2 the status has changed meanwhile.
 */
const REQUEUE_WITHIN = `
if redis.call('exists', KEYS[1]) == 0 then return -1 end
if redis.call('hget', KEYS[1], 'status') ~= ARGV[3] then return -2 end
if tonumber(ARGV[1]) > 0 and redis.call('scard', KEYS[2]) >= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[4]) > 0 and redis.call('zintercard', 2, KEYS[3], KEYS[2]) >= tonumber(ARGV[4]) then return -3 end
redis.call('hset', KEYS[1], unpack(ARGV, 5))
redis.call('sadd', KEYS[2], ARGV[2])
return 1`;

export type RequeueOutcome = 'requeued' | 'full' | 'project-full' | 'gone' | 'changed';

/** How a status change moves a job in or out of the active set. */
function activeChange(fields: Partial<JobRecord>): 'add' | 'rem' | '' {
  if (fields.status === undefined) return '';
  return fields.status === 'queued' || fields.status === 'running' ? 'add' : 'rem';
}

/** Who a new job belongs to. */
export interface JobOwner {
  project: string;
  createdBy: string;
}

/** How many jobs may be queued or running at once, in all and per project (0: no limit). */
export interface ActiveLimits {
  total: number;
  perProject?: number;
}

/** Jobs made without an owner (tests, tools) and records older than projects belong to this project. */
export const DEFAULT_PROJECT = 'default';

export class JobStore {
  readonly keys: RedisKeys;
  constructor(readonly redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
  }

  async create(spec: JobSpec, id: string = crypto.randomUUID(), owner?: JobOwner): Promise<JobRecord> {
    return (await this.createWithin({ total: 0 }, spec, id, owner)) as JobRecord;
  }

  /**
   * Creates the job only while fewer than `limits` jobs are queued or running, in all and in its project; otherwise
   * says which is full. The check and the insert are one script, so concurrent creators cannot overshoot the limits.
   */
  async createWithin(
    limits: ActiveLimits,
    spec: JobSpec,
    id: string = crypto.randomUUID(),
    owner: JobOwner = { project: DEFAULT_PROJECT, createdBy: 'open' },
  ): Promise<JobRecord | 'full' | 'project-full'> {
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
      project: owner.project,
      createdBy: owner.createdBy,
    };
    const k = this.keys;
    const fields = Object.entries(encode(record)).flat();
    const created = await this.redis.eval(
      CREATE_WITHIN, 4, k.job(id), k.jobs, k.activeJobs, k.projectJobs(owner.project), limits.total, seq, id, limits.perProject ?? 0, ...fields,
    );
    return created === 1 ? record : created === 0 ? 'full' : 'project-full';
  }

  async get(id: string): Promise<JobRecord | null> {
    const raw = await this.redis.hgetall(this.keys.job(id));
    return Object.keys(raw).length === 0 ? null : decode(raw);
  }

  /** The project a job belongs to (DEFAULT_PROJECT for records older than projects); null when there is no such job. */
  async projectOf(id: string): Promise<string | null> {
    const [exists, raw] = await this.redis.multi().exists(this.keys.job(id)).hget(this.keys.job(id), 'project').exec() as [
      [Error | null, number],
      [Error | null, string | null],
    ];
    if (!exists[1]) return null;
    return raw[1] ? (JSON.parse(raw[1]) as string) : DEFAULT_PROJECT;
  }

  async update(id: string, fields: Partial<JobRecord>): Promise<void> {
    const multi = this.redis.multi().hset(this.keys.job(id), encode(fields));
    const change = activeChange(fields);
    if (change === 'add') multi.sadd(this.keys.activeJobs, id);
    if (change === 'rem') multi.srem(this.keys.activeJobs, id);
    await multi.exec();
  }

  /** Sets fields only while the job exists, so a late writer never resurrects a deleted job. */
  async updateIfExists(id: string, fields: Partial<JobRecord>): Promise<boolean> {
    const args = Object.entries(encode(fields)).flat();
    const n = await this.redis.eval(UPDATE_IF_EXISTS, 2, this.keys.job(id), this.keys.activeJobs, activeChange(fields), id, ...args);
    return n === 1;
  }

  /**
   * Sets `fields` (whose status is queued) on a job that is still `from`, and adds it to the active set, only while
   * fewer than `maxActive` jobs are queued or running (0: no limit). One script, like createWithin.
   */
  async requeueWithin(
    limits: ActiveLimits,
    id: string,
    from: JobStatus,
    fields: Partial<JobRecord> & { status: 'queued' },
    project: string = DEFAULT_PROJECT,
  ): Promise<RequeueOutcome> {
    const args = Object.entries(encode(fields)).flat();
    const k = this.keys;
    const n = await this.redis.eval(
      REQUEUE_WITHIN, 3, k.job(id), k.activeJobs, k.projectJobs(project), limits.total, id, JSON.stringify(from), limits.perProject ?? 0, ...args,
    );
    return n === 1 ? 'requeued' : n === 0 ? 'full' : n === -3 ? 'project-full' : n === -1 ? 'gone' : 'changed';
  }

  /** Newest first. The cursor is the sequence number of the last job returned. */
  async list({ project, status, cursor, limit }: ListOptions): Promise<{ jobs: JobRecord[]; nextCursor: string | null }> {
    let max = cursor ? `(${Number.parseInt(cursor, 36)}` : '+inf';
    const index = project === undefined ? this.keys.jobs : this.keys.projectJobs(project);
    const jobs: JobRecord[] = [];
    const batch = Math.max(limit, 50);
    for (;;) {
      const ids = await this.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
      if (ids.length === 0) return { jobs, nextCursor: null };
      for (let i = 0; i < ids.length; i += 2) {
        const record = await this.get(ids[i]!);
        max = `(${ids[i + 1]}`;
        if (!record || (status && record.status !== status)) continue;
        jobs.push(record);
        if (jobs.length === limit) {
          const more = await this.redis.zrevrangebyscore(index, max, '-inf', 'LIMIT', 0, 1);
          return { jobs, nextCursor: more.length ? record.seq.toString(36) : null };
        }
      }
      if (ids.length < batch * 2) return { jobs, nextCursor: null };
    }
  }

  /** Queued + running jobs: one SCARD, however many jobs there are. */
  activeCount(): Promise<number> {
    return this.redis.scard(this.keys.activeJobs);
  }

  /** A project's queued + running jobs. */
  projectActiveCount(project: string): Promise<number> {
    return this.redis.zintercard(2, this.keys.projectJobs(project), this.keys.activeJobs) as Promise<number>;
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
    const project = (await this.projectOf(id)) ?? DEFAULT_PROJECT;
    const stored = Number((await this.redis.hget(k.job(id), 'storedBytes')) ?? 0);
    const multi = this.redis
      .multi()
      .hincrby(k.projectBytes, project, -stored)
      .del(k.job(id), k.metrics(id), k.events(id), k.jobSamples(id), k.checkpoints(id), k.checkpointIndex(id), k.quality(id), k.jobScorer(id))
      .zrem(k.jobs, id)
      .zrem(k.projectJobs(project), id)
      .srem(k.activeJobs, id);
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
