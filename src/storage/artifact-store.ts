// The artifact store: samples, checkpoints and generators as bytes under '/'-separated keys.
import { AppError, type Retry } from '../errors.js';

export interface ArtifactStat {
  size: number;
  /** Strong validator for HTTP caching. */
  etag: string;
}

export interface ArtifactStore {
  /** Writes atomically: a reader sees the whole old value, the whole new one, or nothing. */
  put(key: string, bytes: Uint8Array): Promise<ArtifactStat>;
  /**
   * Writes what a stream yields, without holding it all in memory (an upload). Atomic like put; when the stream
   * fails (a limit, a client gone), nothing is left under the key and the stream's error is thrown.
   */
  putStream(key: string, source: AsyncIterable<Uint8Array>): Promise<ArtifactStat>;
  /** null when the key does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  stat(key: string): Promise<ArtifactStat | null>;
  /** Keys under a prefix ('a/b' lists 'a/b/...'), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes every key under a prefix; no error when there is none. */
  deletePrefix(prefix: string): Promise<void>;
  /** Releases connections (an S3 client's sockets); the store is not used after. */
  close(): Promise<void>;
}

export class StorageError extends AppError {
  readonly code = 'STORAGE';
  /**
   * True when another try may succeed (a network error, a 5xx, a throttled request): the job is retried with backoff.
   * False when an operator must act (disk full, read-only, permission denied, no such bucket): the job fails at once.
   */
  readonly transient: boolean;
  readonly status: number;
  readonly retry: Retry;
  constructor(message: string, options: { cause?: unknown; transient?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.transient = options.transient ?? false;
    this.retry = this.transient ? 'transient' : 'permanent';
    this.status = this.transient ? 503 : 500;
  }
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Rejects keys that could escape the store ('..', absolute paths, odd characters). */
export function assertValidKey(key: string): void {
  if (key.length > 512 || !KEY.test(key) || key.split('/').some((s) => s === '..' || s === '.')) {
    throw new StorageError(`invalid artifact key "${key.slice(0, 80)}"`);
  }
}
