// API keys in Redis: a record per key id and an index from the token's SHA-256 to the id; tokens are never stored.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';

export const ROLES = ['admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyRecord {
  id: string;
  project: string;
  role: Role;
  name: string | null;
  createdAt: string;
  /** SHA-256 of the token, hex. */
  hash: string;
}

/** Tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'gf_';

/** 256 random bits, base64url, behind the prefix. */
export const newToken = () => `${TOKEN_PREFIX}${crypto.randomBytes(32).toString('base64url')}`;

export const tokenHash = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** Revokes only what exists: the record and its hash index go together. */
const REVOKE = `
local raw = redis.call('hget', KEYS[1], ARGV[1])
if not raw then return 0 end
redis.call('hdel', KEYS[1], ARGV[1])
redis.call('hdel', KEYS[2], cjson.decode(raw).hash)
return 1`;

export class ApiKeyStore {
  private readonly keys: RedisKeys;
  constructor(private readonly redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
  }

  /** Creates a key; the token is returned here and nowhere else. */
  async create(input: { project: string; role: Role; name?: string | null }): Promise<{ record: ApiKeyRecord; token: string }> {
    const token = newToken();
    const record: ApiKeyRecord = {
      id: `key_${crypto.randomBytes(8).toString('hex')}`,
      project: input.project,
      role: input.role,
      name: input.name ?? null,
      createdAt: new Date().toISOString(),
      hash: tokenHash(token),
    };
    await this.redis
      .multi()
      .hset(this.keys.apiKeys, record.id, JSON.stringify(record))
      .hset(this.keys.apiKeyHashes, record.hash, record.id)
      .exec();
    return { record, token };
  }

  /** The key whose token this is, read from Redis on every call: a revoked key is gone for every API instance at once. */
  async findByToken(token: string): Promise<ApiKeyRecord | null> {
    const id = await this.redis.hget(this.keys.apiKeyHashes, tokenHash(token));
    if (!id) return null;
    const raw = await this.redis.hget(this.keys.apiKeys, id);
    return raw ? (JSON.parse(raw) as ApiKeyRecord) : null;
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const raw = await this.redis.hget(this.keys.apiKeys, id);
    return raw ? (JSON.parse(raw) as ApiKeyRecord) : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const all = Object.values(await this.redis.hgetall(this.keys.apiKeys)).map((raw) => JSON.parse(raw) as ApiKeyRecord);
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  count(): Promise<number> {
    return this.redis.hlen(this.keys.apiKeys);
  }

  /** False when there was no such key. */
  async revoke(id: string): Promise<boolean> {
    return (await this.redis.eval(REVOKE, 2, this.keys.apiKeys, this.keys.apiKeyHashes, id)) === 1;
  }
}
