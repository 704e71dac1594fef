// Dashboard sessions in Redis: a random id in an HttpOnly cookie, its SHA-256 as the key, expiring on their own.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../contract/keys.js';
import type { Role } from './api-key-store.js';

export interface SessionRecord {
  project: string;
  role: Role;
  /** The API key logged in with; null for GANFORGE_ADMIN_TOKEN. */
  keyId: string | null;
  /** SHA-256 of the token logged in with, so a changed GANFORGE_ADMIN_TOKEN ends its sessions. */
  tokenHash: string;
  /** Sent back in X-CSRF-Token with every write. */
  csrf: string;
}

const hashOf = (id: string) => crypto.createHash('sha256').update(id).digest('hex');

export class SessionStore {
  private readonly keys: RedisKeys;
  constructor(private readonly redis: Redis, prefix: string, private readonly ttlSeconds: number) {
    this.keys = redisKeys(prefix);
  }

  /** A new session; returns its id (the cookie's value). */
  async create(fields: Omit<SessionRecord, 'csrf'>): Promise<{ id: string; record: SessionRecord }> {
    const id = crypto.randomBytes(32).toString('base64url');
    const record: SessionRecord = { ...fields, csrf: crypto.randomBytes(32).toString('base64url') };
    await this.redis.set(this.keys.session(hashOf(id)), JSON.stringify(record), 'EX', this.ttlSeconds);
    return { id, record };
  }

  async get(id: string): Promise<SessionRecord | null> {
    const raw = await this.redis.get(this.keys.session(hashOf(id)));
    return raw ? (JSON.parse(raw) as SessionRecord) : null;
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.keys.session(hashOf(id)));
  }
}
