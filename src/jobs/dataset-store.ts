// Uploaded datasets' records in Redis: one JSON string each, and a per-project index for listing.
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';
import type { DatasetRecord } from '../contract/dataset.js';

export class DatasetStore {
  private readonly keys: RedisKeys;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  async create(record: DatasetRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.dataset(record.id), JSON.stringify(record))
      .zadd(this.keys.projectDatasets(record.project), Date.parse(record.createdAt), record.id)
      .exec();
  }

  async get(id: string): Promise<DatasetRecord | null> {
    const raw = await this.redis.get(this.keys.dataset(id));
    return raw ? (JSON.parse(raw) as DatasetRecord) : null;
  }

  /** Updates a record that still exists (only its processing worker writes after creation); false when it is gone. */
  async update(id: string, fields: Partial<DatasetRecord>): Promise<boolean> {
    const record = await this.get(id);
    if (!record) return false;
    // XX: a record deleted meanwhile stays deleted.
    const ok = await this.redis.set(this.keys.dataset(id), JSON.stringify({ ...record, ...fields }), 'XX');
    return ok === 'OK';
  }

  /** One project's datasets, newest first. */
  async list(project: string): Promise<DatasetRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.projectDatasets(project), 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.keys.dataset(id)));
    return raws.flatMap((r) => (r ? [JSON.parse(r) as DatasetRecord] : []));
  }

  async delete(record: Pick<DatasetRecord, 'id' | 'project'>): Promise<void> {
    await this.redis.multi().del(this.keys.dataset(record.id)).zrem(this.keys.projectDatasets(record.project), record.id).exec();
  }
}
