// Readiness without Redis: a PING that never answers, or fails, is UnavailableError once the timeout has passed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { HealthService } from '../../src/api/services/health-service.js';
import { UnavailableError } from '../../src/api/services/errors.js';

const redisWhosePing = (ping: () => Promise<string>) => ({ ping }) as unknown as Redis;

test('a PING that never answers: readyz gives up after its timeout with UnavailableError', async () => {
  const health = new HealthService({ redis: redisWhosePing(() => new Promise(() => {})), timeoutMs: 20 });
  await assert.rejects(health.assertReady(), (e: unknown) => e instanceof UnavailableError && /did not answer within 20 ms/.test(e.message));
});

test('a PING that fails is UnavailableError; one that answers is ready', async () => {
  const failing = new HealthService({ redis: redisWhosePing(() => Promise.reject(new Error('ECONNREFUSED'))), timeoutMs: 60_000 });
  await assert.rejects(failing.assertReady(), (e: unknown) => e instanceof UnavailableError && e.message === 'Redis is unreachable');
  await new HealthService({ redis: redisWhosePing(() => Promise.resolve('PONG')), timeoutMs: 60_000 }).assertReady();
});
