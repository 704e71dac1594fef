// Who is asking: a Bearer token (the bootstrap tokens or an API key in Redis) or a dashboard session cookie; failed
// attempts counted per client.
import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../../contract/keys.js';
import { tokenHash, type ApiKeyStore, type Role } from '../../jobs/api-key-store.js';
import type { SessionStore } from '../../jobs/session-store.js';
import { RateLimitedError, UnauthorizedError } from './errors.js';

export interface Principal {
  project: string;
  role: Role;
  /** The API key's id; null for the bootstrap tokens, signed links and the open mode. */
  keyId: string | null;
  via: 'key' | 'admin-token' | 'metrics-token' | 'session' | 'link' | 'open';
  /** With a session: the token every write must echo in X-CSRF-Token. */
  csrf?: string;
}

export interface AuthServiceDeps {
  redis: Redis;
  prefix: string;
  keys: ApiKeyStore;
  sessions: SessionStore;
  /** GANFORGE_ADMIN_TOKEN; without it (and without keys) the API is open. */
  adminToken?: string;
  adminProject: string;
  metricsToken?: string;
  /** Failed attempts per client per window before the client gets 429 without a check. */
  failureMax: number;
  failureWindowMs: number;
}

/** What a request presents: its Authorization header and its session cookie's value. */
export interface Credentials {
  authorization?: string;
  session?: string;
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

  /** The principal of a request's credentials (none: the open mode's, while open); throws 401 or 429. */
  async authenticate({ authorization, session }: Credentials, client: string): Promise<Principal> {
    if (authorization !== undefined) {
      await this.refuseIfTooManyFailures(client);
      const token = BEARER.exec(authorization.trim())?.[1];
      if (token === undefined) throw await this.failed(client, 'the Authorization header must be "Bearer <token>"');
      const principal = await this.byToken(token);
      if (!principal) throw await this.failed(client, 'unknown or revoked API key');
      return principal;
    }
    if (session !== undefined) {
      const principal = await this.bySession(session);
      if (principal) return principal;
    }
    if (await this.isOpen()) return { project: this.deps.adminProject, role: 'admin', keyId: null, via: 'open' };
    throw new UnauthorizedError(
      session === undefined
        ? 'this API needs an API key: send the header Authorization: Bearer <token>'
        : 'the session has ended (expired, logged out or its key revoked): log in again',
    );
  }

  /** Dashboard login: a session for a key or the admin token (not the metrics token); 401 for anything else. */
  async login(token: string, client: string): Promise<{ sessionId: string; principal: Principal }> {
    await this.refuseIfTooManyFailures(client);
    const principal = await this.byToken(token);
    if (!principal || principal.via === 'metrics-token') throw await this.failed(client, 'unknown or revoked API key');
    const { id, record } = await this.deps.sessions.create({
      project: principal.project,
      role: principal.role,
      keyId: principal.keyId,
      tokenHash: tokenHash(token),
    });
    return { sessionId: id, principal: { ...principal, via: 'session', csrf: record.csrf } };
  }

  logout(sessionId: string): Promise<void> {
    return this.deps.sessions.delete(sessionId);
  }

  private async byToken(token: string): Promise<Principal | null> {
    const { adminToken, adminProject, metricsToken, keys } = this.deps;
    if (adminToken && sameToken(token, adminToken)) return { project: adminProject, role: 'admin', keyId: null, via: 'admin-token' };
    if (metricsToken && sameToken(token, metricsToken)) return { project: '', role: 'member', keyId: null, via: 'metrics-token' };
    const key = await keys.findByToken(token);
    return key && { project: key.project, role: key.role, keyId: key.id, via: 'key' };
  }

  /** A live session whose key still exists (or whose admin token is still the configured one). */
  private async bySession(sessionId: string): Promise<Principal | null> {
    const session = await this.deps.sessions.get(sessionId);
    if (!session) return null;
    const stillValid = session.keyId
      ? (await this.deps.keys.get(session.keyId))?.hash === session.tokenHash
      : !!this.deps.adminToken && tokenHash(this.deps.adminToken) === session.tokenHash;
    if (!stillValid) return null;
    return { project: session.project, role: session.role, keyId: session.keyId, via: 'session', csrf: session.csrf };
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
  async failed(client: string, detail: string): Promise<UnauthorizedError> {
    const key = this.redisKeys.authFailures(client);
    await this.deps.redis.multi().incr(key).pexpire(key, this.deps.failureWindowMs, 'NX').exec();
    return new UnauthorizedError(detail);
  }
}
