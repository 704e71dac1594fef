// POST /jobs/:id/cancel and DELETE /jobs/:id: queue removal, the worker-lock fallback, 409s, cleanup of everything.
import { metricNames } from '../../src/contract/job.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { QUEUE_NAME } from '../../src/contract/job.js';
import { REDIS_URL, body, startTestApp, type TestApp } from './test-app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function createJob(): Promise<string> {
  return body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 10 } })).id;
}

test('cancelling a queued job removes it from the queue and cancels it at once', async () => {
  const id = await createJob();
  assert.ok(await t.app.infra.queue.getJob(id));
  const res = await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
  assert.equal(res.statusCode, 202);
  const job = body(res);
  assert.equal(job.status, 'cancelled');
  assert.ok(job.finishedAt);
  assert.equal(await t.app.infra.queue.getJob(id), undefined);
  const events = await t.app.infra.events.read(id, '0');
  assert.deepEqual(events.map((e) => [e.event, e.data]), [['status', { status: 'cancelled', error: null }]]);
  assert.equal(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}` })).status, 'cancelled');
});

test('a queued job a worker has just locked gets cancelRequested instead', async () => {
  const id = await createJob();
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let active!: () => void;
  const isActive = new Promise<void>((resolve) => (active = resolve));
  const processor = async () => {
    active();
    await held;
  };
  const worker = new Worker(QUEUE_NAME, processor, { connection, prefix: t.env.GANFORGE_PREFIX });
  try {
    await isActive;
    const res = await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
    assert.equal(res.statusCode, 202);
    const job = body(res);
    assert.equal(job.status, 'queued');
    assert.equal(job.cancelRequested, true);
    assert.ok(await t.app.infra.queue.getJob(id), 'the locked job stays for its worker to stop');
  } finally {
    release();
    await worker.close();
    await connection.quit();
  }
});

test('cancelling a running job asks its worker to stop', async () => {
  const id = await createJob();
  await t.app.infra.jobs.update(id, { status: 'running' });
  const job = body(await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` }));
  assert.equal(job.status, 'running');
  assert.equal(job.cancelRequested, true);
  assert.equal((await t.app.infra.jobs.get(id))!.cancelRequested, true);
});

test('cancelling a finished job is 409', async () => {
  for (const status of ['completed', 'failed', 'cancelled'] as const) {
    const id = await createJob();
    await t.app.infra.jobs.update(id, { status });
    const res = await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
    assert.equal(res.statusCode, 409);
    assert.equal(body(res).code, 'CONFLICT');
  }
});

test('deleting a finished job removes its queue entry, records and artifacts; then 404', async () => {
  const id = await createJob();
  await t.app.infra.jobs.update(id, { status: 'completed', iteration: 2 });
  await t.app.infra.metrics.write(id, metricNames('gan'), [{ iteration: 1, dLoss: 1, dAcc: 0.5, gLoss: 2 }]);
  await t.app.infra.events.append(id, 'status', { status: 'completed', error: null });
  const sample = await t.app.infra.artifacts.addSample(id, 1, new Uint8Array([137, 80, 78, 71]));
  await t.app.infra.artifacts.addCheckpoint(id, 2, new Map([['state.json', new TextEncoder().encode('{}')]]));

  const res = await t.app.inject({ method: 'DELETE', url: `/jobs/${id}` });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  assert.equal((await t.app.inject({ method: 'GET', url: `/jobs/${id}` })).statusCode, 404);
  assert.equal((await t.app.inject({ method: 'GET', url: `/samples/${sample.id}.png` })).statusCode, 404);
  assert.equal(await t.app.infra.queue.getJob(id), undefined);
  assert.deepEqual(await t.app.infra.store.list(`jobs/${id}`), []);
  const keys = await t.app.infra.redis.keys(`${t.env.GANFORGE_PREFIX}:gf:*${id}*`);
  assert.deepEqual(keys, []);
  assert.equal((await t.app.inject({ method: 'DELETE', url: `/jobs/${id}` })).statusCode, 404);
});

test('deleting a queued or running job is 409; after a cancel it is 204', async () => {
  const id = await createJob();
  assert.equal((await t.app.inject({ method: 'DELETE', url: `/jobs/${id}` })).statusCode, 409);
  await t.app.infra.jobs.update(id, { status: 'running' });
  const running = await t.app.inject({ method: 'DELETE', url: `/jobs/${id}` });
  assert.equal(running.statusCode, 409);
  assert.equal(body(running).code, 'CONFLICT');
  await t.app.infra.jobs.update(id, { status: 'queued' });
  assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` })).statusCode, 202);
  assert.equal((await t.app.inject({ method: 'DELETE', url: `/jobs/${id}` })).statusCode, 204);
});
