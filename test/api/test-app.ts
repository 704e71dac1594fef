// Test harness for the API: buildApp on real Redis under a unique key prefix and a temp data dir, both removed after.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REDIS_URL, cleanup, connect } from '../helpers/redis.js';
import { loadEnv, type Env } from '../../src/config/env.js';
import { buildApp, type App } from '../../src/api/app.js';

export { REDIS_URL };

export interface TestApp {
  app: App;
  env: Env;
  /** Listens on a free loopback port (once) and returns the base URL, for real HTTP clients and browsers. */
  listen(): Promise<string>;
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
    async listen() {
      if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
      return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    },
    async close() {
      await app.close();
      await deleteKeys(prefix);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * startTestApp for one test: the app is closed (and its keys and data dir removed) when the test ends, pass or fail.
 * A suite that shares one app calls startTestApp in `before` and closes it in `after`.
 */
export async function buildTestApp(t: { after(fn: () => Promise<void>): void }, vars: Record<string, string> = {}): Promise<TestApp> {
  const app = await startTestApp(vars);
  t.after(() => app.close());
  return app;
}

/** Removes every key under `prefix:` (ours and BullMQ's). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = connect();
  try {
    await cleanup(redis, prefix);
  } finally {
    await redis.quit();
  }
}

/** Parses a JSON body, asserting the problem+json content type when `problem` is set. */
export function body<T = any>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}
