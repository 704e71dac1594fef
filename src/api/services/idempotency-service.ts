// Idempotency-Key: the first request with a key runs, its response is kept in Redis, and repeats get that response.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../../contract/keys.js';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from './errors.js';

/** What a repeat gets back: the status, Location and body of the first response. */
export interface StoredResponse<T = unknown, S extends number = number> {
  status: S;
  location: string;
  body: T;
}

type Entry<T, S extends number> =
  | { state: 'pending'; fingerprint: string; token: string }
  | { state: 'done'; fingerprint: string; response: StoredResponse<T, S> };

export interface IdempotencyServiceDeps {
  redis: Redis;
  prefix: string;
  /** How long a key and its response are kept (GANFORGE_IDEMPOTENCY_TTL_SECONDS). */
  ttlSeconds: number;
  /** How long a repeat waits for the first request to finish before answering 409. */
  waitMs?: number;
  pollMs?: number;
  /**
   * How long a claim lasts without a response: an API process that dies mid-request frees the key after this.
   * Far longer than creating a job takes.
   */
  pendingTtlMs?: number;
}

/** Replaces the pending marker with the response, or deletes it, only while it is still this request's. */
const COMPLETE = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

export class IdempotencyService {
  private readonly keys: RedisKeys;
  private readonly waitMs: number;
  private readonly pollMs: number;
  private readonly pendingTtlMs: number;

  constructor(private readonly deps: IdempotencyServiceDeps) {
    this.keys = redisKeys(deps.prefix);
    this.waitMs = deps.waitMs ?? 5_000;
    this.pollMs = deps.pollMs ?? 50;
    this.pendingTtlMs = Math.min(deps.pendingTtlMs ?? 60_000, deps.ttlSeconds * 1000);
  }

  /**
   * Runs `execute` once per key. The key is claimed atomically (SET NX of a pending marker), so of concurrent
   * requests only one runs; the others poll for its response for up to waitMs, then get 409. A repeat whose request
   * differs (by `fingerprintOf(request)`) gets 422. When `execute` throws, the claim is released: nothing was done,
   * and the client may retry with the same key. `stored` is false when the response could not be kept.
   */
  async run<T, S extends number>(
    clientKey: string,
    request: unknown,
    execute: () => Promise<StoredResponse<T, S>>,
  ): Promise<{ response: StoredResponse<T, S>; replayed: boolean; stored: boolean }> {
    const { redis } = this.deps;
    // Hashed: any printable key makes a short Redis key of known characters.
    const key = this.keys.idempotency(crypto.createHash('sha256').update(clientKey).digest('base64url'));
    const fingerprint = fingerprintOf(request);
    const pending = JSON.stringify({ state: 'pending', fingerprint, token: crypto.randomUUID() } satisfies Entry<T, S>);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      if (await redis.set(key, pending, 'PX', this.pendingTtlMs, 'NX')) break;
      const raw = await redis.get(key);
      if (raw === null) continue; // released or expired since the SET: claim it again
      const entry = JSON.parse(raw) as Entry<T, S>;
      if (entry.fingerprint !== fingerprint) {
        throw new IdempotencyKeyReusedError('this Idempotency-Key was used with a different request body; use a new key');
      }
      if (entry.state === 'done') return { response: entry.response, replayed: true, stored: true };
      if (Date.now() >= deadline) {
        throw new IdempotencyKeyInUseError('a request with this Idempotency-Key is still being processed; retry shortly', {
          retryAfterSeconds: 1,
        });
      }
      await sleep(this.pollMs);
    }

    let response: StoredResponse<T, S>;
    try {
      response = await execute();
    } catch (err) {
      await redis.eval(RELEASE, 1, key, pending).catch(() => {});
      throw err;
    }
    const done = JSON.stringify({ state: 'done', fingerprint, response } satisfies Entry<T, S>);
    // The job exists by now: a failure to remember the response must not tell the client otherwise.
    const stored = await redis.eval(COMPLETE, 1, key, pending, done, this.deps.ttlSeconds).then(
      (n) => n === 1,
      () => false,
    );
    return { response, replayed: false, stored };
  }
}

/** SHA-256 of the request as JSON with sorted keys: the same content in any key order is the same request. */
export function fingerprintOf(request: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(sortKeys(request)) ?? 'undefined').digest('base64url');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
