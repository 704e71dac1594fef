// Container healthcheck for a worker: exits 0 when Redis at REDIS_URL answers PING within a few seconds, else 1.
import { Redis } from 'ioredis';
import { loadEnv } from '../config/env.js';

const TIMEOUT_MS = 4_000;

async function main(): Promise<number> {
  const env = loadEnv();
  // No retries and no offline queue: a healthcheck must answer for this moment, not wait for Redis to come back.
  const redis = new Redis(env.REDIS_URL, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  try {
    await redis.connect().catch((err: Error) => {
      throw lastError ?? err;
    });
    const reply = await redis.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

const timer = setTimeout(() => {
  process.stderr.write(`ganforge-worker healthcheck: no answer from Redis within ${TIMEOUT_MS} ms\n`);
  process.exit(1);
}, TIMEOUT_MS + 1_000);

main().then(
  (code) => {
    clearTimeout(timer);
    process.exitCode = code;
  },
  (err: unknown) => {
    clearTimeout(timer);
    process.stderr.write(`ganforge-worker healthcheck: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
