// Test harness for the API: buildApp on real Redis under a unique key prefix and a temp data dir, both removed after.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadEnv, type Env } from '../../src/config/env.js';
import { buildApp, type App } from '../../src/api/app.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestApp {
  app: App;
  env: Env;
  close(): Promise<void>;
}

export async function startTestApp(vars: Record<string, string> = {}): Promise<TestApp> {
  const prefix = `t-${randomUUID()}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ganforge-api-'));
  const env = loadEnv({ REDIS_URL, GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, ...vars });
  const app = buildApp({ env, logger: false });
  await app.ready();
  return {
    app,
    env,
    async close() {
      await app.close();
      await deleteKeys(prefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Removes every key under `prefix:` (ours and BullMQ's). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Parses a JSON body, asserting the problem+json content type when `problem` is set. */
export function body<T = any>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}
