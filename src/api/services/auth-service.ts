// Who is asking: a Bearer token checked against the bootstrap tokens and the API keys in Redis; failures counted per client.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../../contract/keys.js';
import type { ApiKeyStore, Role } from '../../jobs/api-key-store.js';
import { RateLimitedError, UnauthorizedError } from './errors.js';

export interface Principal {
  project: string;
  role: Role;
  /** The API key's id; null for the bootstrap tokens and the open mode. */
  keyId: string | null;
  via: 'key' | 'admin-token' | 'metrics-token' | 'open';
}

export interface AuthServiceDeps {
  redis: Redis;
  prefix: string;
  keys: ApiKeyStore;
  /** GANFORGE_ADMIN_TOKEN; without it (and without keys) the API is open. */
  adminToken?: string;
  adminProject: string;
  metricsToken?: string;
  /** Failed attempts per client per window before the client gets 429 without a check. */
  failureMax: number;
  failureWindowMs: number;
}

const BEARER = /^Bearer +([\x21-\x7e]{1,512})$/i;

/** Constant-time comparison of a presented token with a configured one (their hashes have equal lengths). */
const sameToken = (a: string, b: string) =>
  crypto.timingSafeEqual(crypto.createHash('sha256').update(a).digest(), crypto.createHash('sha256').update(b).digest());

export class AuthService {
  private readonly redisKeys: RedisKeys;
  constructor(private readonly deps: AuthServiceDeps) {
    this.redisKeys = redisKeys(deps.prefix);
  }

  /** True while nothing is configured: no bootstrap token and no API key. Requests without a credential then pass. */
  async isOpen(): Promise<boolean> {
    return !this.deps.adminToken && (await this.deps.keys.count()) === 0;
  }

  /** The principal of an Authorization header (absent: the open mode's, while open); throws 401 or 429. */
  async authenticate(authorization: string | undefined, client: string): Promise<Principal> {
    const { adminToken, adminProject, metricsToken, keys } = this.deps;
    if (authorization === undefined) {
      if (await this.isOpen()) return { project: adminProject, role: 'admin', keyId: null, via: 'open' };
      throw new UnauthorizedError('this API needs an API key: send the header Authorization: Bearer <token>');
    }
    await this.refuseIfTooManyFailures(client);
    const token = BEARER.exec(authorization.trim())?.[1];
    if (token === undefined) throw await this.failed(client, 'the Authorization header must be "Bearer <token>"');
    if (adminToken && sameToken(token, adminToken)) return { project: adminProject, role: 'admin', keyId: null, via: 'admin-token' };
    if (metricsToken && sameToken(token, metricsToken)) return { project: '', role: 'member', keyId: null, via: 'metrics-token' };
    const key = await keys.findByToken(token);
    if (!key) throw await this.failed(client, 'unknown or revoked API key');
    return { project: key.project, role: key.role, keyId: key.id, via: 'key' };
  }

  private async refuseIfTooManyFailures(client: string): Promise<void> {
    const key = this.redisKeys.authFailures(client);
    const [count, ttl] = await Promise.all([this.deps.redis.get(key), this.deps.redis.pttl(key)]);
    if (Number(count ?? 0) >= this.deps.failureMax) {
      throw new RateLimitedError(`more than ${this.deps.failureMax} failed authentications from this client; retry later`, {
        retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)),
      });
    }
  }

  /** Counts the failure (the window starts at the first one) and returns the 401 to throw. */
  private async failed(client: string, detail: string): Promise<UnauthorizedError> {
    const key = this.redisKeys.authFailures(client);
    await this.deps.redis.multi().incr(key).pexpire(key, this.deps.failureWindowMs, 'NX').exec();
    return new UnauthorizedError(detail);
  }
}
