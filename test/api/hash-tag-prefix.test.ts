// Redis Cluster readiness: with a hash-tagged prefix like {gft-xxxx}, every key the API, the stores, BullMQ and a
// real worker create starts with it (so all of them hash to one slot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { startProcess, stopProcess, waitUntil } from '../helpers/processes.js';
import { REDIS_URL } from '../helpers/redis.js';
import { body, startTestApp } from './test-app.js';

// A database of its own, so that keys written by anything else on this Redis cannot hide a stray key of ours.
const DB = 9;
const url = new URL(REDIS_URL);
url.pathname = `/${DB}`;
const DB_URL = url.toString();

async function allKeys(redis: Redis): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const k of batch) keys.add(k);
  } while (cursor !== '0');
  return keys;
}

test('every key created under a {hash-tagged} prefix starts with it: API, stores, BullMQ, worker', async () => {
  const prefix = `{gft-${crypto.randomBytes(4).toString('hex')}}`;
  const redis = new Redis(DB_URL);
  const before = await allKeys(redis);
  const t = await startTestApp({ REDIS_URL: DB_URL, GANFORGE_PREFIX: prefix });
  const worker = startProcess('src/worker/main.ts', {
    REDIS_URL: DB_URL,
    GANFORGE_PREFIX: prefix,
    GANFORGE_BACKEND: 'wasm',
    GANFORGE_DATA_DIR: t.env.GANFORGE_DATA_DIR,
  });
  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
    return res;
  };
  const finished = (id: string) =>
    waitUntil(async () => {
      const job = body((await get(`/jobs/${id}`)));
      return ['completed', 'failed', 'cancelled'].includes(job.status) && job;
    }, 120_000, `job ${id} to finish`);
  try {
    await worker.waitFor(/heartbeat started/);
    const spec = { iterations: 20, batchSize: 16, sampleInterval: 10, checkpointInterval: 10 };
    const created = await t.app.inject({ method: 'POST', url: '/jobs', payload: spec, headers: { 'idempotency-key': crypto.randomUUID() } });
    assert.equal(created.statusCode, 201, created.body);
    const job = await finished(body(created).id);
    assert.equal(job.status, 'completed', worker.output().slice(-2000));

    const samples = body(await get(`/jobs/${job.id}/samples`)).samples as { url: string }[];
    await get(samples[0]!.url);
    for (const path of [`/jobs/${job.id}/metrics`, `/jobs/${job.id}/checkpoints`, `/jobs/${job.id}/generator/model.json`, '/jobs', '/metrics', '/workers']) {
      await get(path);
    }
    const other = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { ...spec, iterations: 100_000 } }));
    await t.app.inject({ method: 'POST', url: `/jobs/${other.id}/cancel` });
    assert.equal((await finished(other.id)).status, 'cancelled');
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/jobs/${job.id}` })).statusCode, 204);
  } finally {
    assert.equal(await stopProcess(worker), 0, worker.output().slice(-2000));
    await t.close();
  }
  try {
    const created = [...(await allKeys(redis))].filter((k) => !before.has(k));
    // Another run of this test (another checkout on this Redis) has a {gft-...} prefix of its own: not a stray key.
    const stray = created.filter((k) => !k.startsWith(`${prefix}:`) && !/^\{gft-[0-9a-f]{8}\}:/.test(k));
    assert.deepEqual(stray, [], 'keys outside the prefix');
    assert.ok(created.some((k) => k.startsWith(`${prefix}:train:`)), `BullMQ's keys are there: ${created.join(' ')}`);
    assert.ok(created.some((k) => k.startsWith(`${prefix}:gf:`)), `our keys are there: ${created.join(' ')}`);
  } finally {
    const ours = [...(await allKeys(redis))].filter((k) => k.startsWith(`${prefix}:`));
    if (ours.length) await redis.unlink(...ours);
    redis.disconnect();
  }
});
