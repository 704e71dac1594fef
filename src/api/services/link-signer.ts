// Signed artifact links: /s/<expiry>.<HMAC>/<path> lets an <img> or tf.loadLayersModel on any page fetch one job's
// samples and generator without a key, until the expiry.
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import { redisKeys } from '../../contract/keys.js';

/** A signature in the path rather than the query: tf.loadLayersModel appends the model URL's query to weight paths. */
const SIGNED = /^\/s\/(\d{1,12})\.([A-Za-z0-9_-]{43})(\/.*)$/;

/** The signature a request's URL carried, by request (set by rewriteSignedUrl before routing). */
const carried = new WeakMap<IncomingMessage, { expires: number; signature: string }>();

/** For fastify's rewriteUrl: strips the /s/<expiry>.<signature> prefix and remembers it for the auth hook. */
export function rewriteSignedUrl(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const m = SIGNED.exec(url);
  if (!m) return url;
  carried.set(req, { expires: Number(m[1]), signature: m[2]! });
  return m[3]!;
}

export const signatureOf = (req: IncomingMessage) => carried.get(req);

export type Sign = (jobId: string, path: string) => string;

export class LinkSigner {
  private secret: Buffer | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly deps: { redis: Redis; prefix: string; secret?: string; ttlSeconds: number }) {
    if (deps.secret) this.secret = Buffer.from(deps.secret);
  }

  /** Loads (or makes, once for every replica) the key kept in Redis; after this, sign and verify are synchronous. */
  async ready(): Promise<void> {
    if (this.secret) return;
    this.loading ??= (async () => {
      const key = redisKeys(this.deps.prefix).linkSecret;
      await this.deps.redis.set(key, crypto.randomBytes(32).toString('hex'), 'NX');
      const stored = await this.deps.redis.get(key);
      if (!stored) throw new Error('the link key vanished from Redis');
      this.secret = Buffer.from(stored);
    })().finally(() => (this.loading = undefined));
    await this.loading;
  }

  /**
   * `path` under a signature for job `jobId`'s artifacts. The expiry is rounded up to the hour, so links (and the
   * browser's cache of what they point to) stay the same for an hour.
   */
  readonly sign: Sign = (jobId, path) => {
    const expires = Math.ceil((Date.now() / 1000 + this.deps.ttlSeconds) / 3600) * 3600;
    return this.signUntil(jobId, path, expires);
  };

  signUntil(jobId: string, path: string, expires: number): string {
    return `/s/${expires}.${this.mac(jobId, expires)}${path}`;
  }

  verify(jobId: string, carriedSig: { expires: number; signature: string }): 'valid' | 'expired' | 'invalid' {
    const expected = Buffer.from(this.mac(jobId, carriedSig.expires));
    const given = Buffer.from(carriedSig.signature);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return 'invalid';
    return carriedSig.expires * 1000 < Date.now() ? 'expired' : 'valid';
  }

  private mac(jobId: string, expires: number): string {
    if (!this.secret) throw new Error('LinkSigner used before ready()');
    return crypto.createHmac('sha256', this.secret).update(`${jobId}\n${expires}`).digest('base64url');
  }
}
