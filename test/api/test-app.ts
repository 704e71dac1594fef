// Test harness for the API: buildApp on real Redis under a unique key prefix and a temp data dir, both removed after.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import path from 'node:path';
import { REDIS_URL, cleanup, connect } from '../helpers/redis.js';
import { startProcess, type Proc } from '../helpers/processes.js';
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

export async function startTestApp(
  vars: Record<string, string> = {},
  opts: { logger?: FastifyServerOptions['logger'] } = {},
): Promise<TestApp> {
  // A GANFORGE_PREFIX in `vars` wins (two apps given the same act as two replicas); close() then leaves its keys.
  const prefix = `t-${randomUUID()}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'ganforge-api-'));
  const env = loadEnv({ REDIS_URL, GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, ...vars });
  const app = buildApp({ env, logger: opts.logger ?? false });
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

/** Asserts a problem+json answer with this status and code. */
export function assertProblem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string): void {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(body(res).code, code);
}

/** An admin token for GANFORGE_ADMIN_TOKEN, and the header that sends it. */
export const ADMIN_TOKEN = `test-admin-${'x'.repeat(32)}`;
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Creates an API key through POST /keys (as the bootstrap admin) and returns its token and id. */
export async function createKey(
  t: TestApp,
  input: { project: string; role: 'admin' | 'member'; name?: string },
  adminToken = ADMIN_TOKEN,
): Promise<{ id: string; token: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/keys', headers: bearer(adminToken), payload: input });
  if (res.statusCode !== 201) throw new Error(`POST /keys: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as { id: string; token: string };
}

/** A real worker process on the test app's Redis prefix and data directory (wasm backend), ready to take jobs. */
export async function startWorker(t: TestApp, env: Record<string, string> = {}): Promise<Proc> {
  const worker = startProcess('src/worker/main.ts', {
    REDIS_URL: t.env.REDIS_URL,
    GANFORGE_PREFIX: t.env.GANFORGE_PREFIX,
    GANFORGE_DATA_DIR: t.env.GANFORGE_DATA_DIR,
    GANFORGE_BACKEND: 'wasm',
    ...env,
  });
  await worker.waitFor(/worker ready/);
  return worker;
}
