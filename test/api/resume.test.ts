// POST /jobs/:id/resume: which jobs may continue, what the record, queue and event stream become, and its limits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Worker } from 'bullmq';
import { QUEUE_NAME } from '../../src/contract/job.js';
import { REDIS_URL, body, startTestApp, type TestApp } from './test-app.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('resume', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const create = async (spec: Record<string, unknown> = { iterations: 10 }): Promise<string> =>
    body(await t.app.inject({ method: 'POST', url: '/jobs', payload: spec })).id;
  const cancel = (id: string) => t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` });
  const resume = (id: string, payload?: unknown) =>
    t.app.inject({ method: 'POST', url: `/jobs/${id}/resume`, ...(payload === undefined ? {} : { payload: payload as object }) });
  /** A job as a worker leaves it when it ends (its BullMQ job is gone, as after removeOnComplete). */
  const ended = async (fields: Record<string, unknown>, spec?: Record<string, unknown>) => {
    const id = await create(spec);
    await (await t.app.infra.queue.getJob(id))!.remove();
    await t.app.infra.jobs.update(id, { finishedAt: new Date().toISOString(), startedAt: new Date().toISOString(), ...fields });
    return id;
  };

  test('a cancelled job goes back to the queue without a body: 202, record reset, BullMQ job and status event', async () => {
    const id = await create();
    assert.equal((await cancel(id)).statusCode, 202);
    const res = await resume(id);
    assert.equal(res.statusCode, 202, res.body);
    const job = body(res);
    assert.equal(job.status, 'queued');
    assert.equal(job.cancelRequested, false);
    assert.equal(job.finishedAt, null);
    assert.equal(job.startedAt, null);
    assert.equal(job.error, null);
    assert.equal(job.spec.iterations, 10);
    assert.deepEqual(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}` })), job);
    const queued = await t.app.infra.queue.getJob(id);
    assert.ok(queued);
    assert.equal(await queued.getState(), 'waiting');
    assert.equal(queued.data.spec.iterations, 10);
    assert.ok(await t.app.infra.redis.sismember(t.app.infra.jobs.keys.activeJobs, id));
    const events = await t.app.infra.events.read(id, '0');
    assert.deepEqual(
      events.map((e) => e.data),
      [
        { status: 'cancelled', error: null },
        { status: 'queued', error: null },
      ],
    );
    // Queued again, so it can be cancelled again (and a second resume is a conflict meanwhile).
    assert.equal((await resume(id)).statusCode, 409);
    assert.equal(body(await cancel(id)).status, 'cancelled');
  });

  test('a failed job continues to its own total or to a new one; error and finishedAt are cleared', async () => {
    const id = await ended({ status: 'failed', error: 'boom', iteration: 4 });
    const res = await resume(id, { iterations: 25 });
    assert.equal(res.statusCode, 202, res.body);
    const job = body(res);
    assert.equal(job.status, 'queued');
    assert.equal(job.error, null);
    assert.equal(job.spec.iterations, 25);
    assert.deepEqual(job.progress.iteration, 4, 'the completed iterations stay');
    assert.equal((await t.app.infra.queue.getJob(id))!.data.spec.iterations, 25);
  });

  test('a completed job needs more iterations than it has done: 409 otherwise, with a detail', async () => {
    const id = await ended({ status: 'completed', iteration: 10 });
    for (const payload of [undefined, {}, { iterations: 10 }, { iterations: 5 }]) {
      const res = await resume(id, payload);
      assert.equal(res.statusCode, 409, res.body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.match(body(res).detail, /trained 10 iterations already; nothing to train/);
    }
    assert.equal(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}` })).status, 'completed', 'unchanged');
    const res = await resume(id, { iterations: 11 });
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(body(res).spec.iterations, 11);
  });

  test('409 while queued or running, 404 for an unknown id', async () => {
    const queued = await create();
    const res = await resume(queued);
    assert.equal(res.statusCode, 409);
    assert.match(body(res).detail, /is queued; only an ended job can be resumed/);
    const running = await ended({ status: 'running', finishedAt: null });
    assert.equal((await resume(running)).statusCode, 409);
    assert.equal((await resume(UNKNOWN)).statusCode, 404);
    assert.equal((await resume('not-a-uuid')).statusCode, 404);
  });

  test('400 for an invalid or unknown field, as for POST /jobs', async () => {
    const id = await ended({ status: 'failed', error: 'x' });
    for (const payload of [{ iterations: 0 }, { iterations: 1_000_001 }, { iterations: 2.5 }, { iterations: '20' }, { batchSize: 4 }]) {
      const res = await resume(id, payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    }
    assert.equal(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}` })).status, 'failed');
  });

  test('409 while a worker still holds the ended BullMQ job, and the record stays as it was', async () => {
    const id = await create();
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let active!: () => void;
    const isActive = new Promise<void>((resolve) => (active = resolve));
    const worker = new Worker(
      QUEUE_NAME,
      // Jobs of the other tests are waiting too: only this one is held.
      async (job) => {
        if (job.id !== id) return;
        active();
        await held;
      },
      { connection, prefix: t.env.GANFORGE_PREFIX },
    );
    try {
      await isActive;
      // The worker has written the end of the job but not yet given the BullMQ job back.
      await t.app.infra.jobs.update(id, { status: 'cancelled', finishedAt: new Date().toISOString() });
      const res = await resume(id);
      assert.equal(res.statusCode, 409);
      assert.match(body(res).detail, /wound down/);
      assert.equal(body(await t.app.inject({ method: 'GET', url: `/jobs/${id}` })).status, 'cancelled');
    } finally {
      release();
      await worker.close();
      await connection.quit();
    }
    assert.equal((await resume(id)).statusCode, 202);
  });
});

describe('resume and GANFORGE_MAX_ACTIVE_JOBS', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_MAX_ACTIVE_JOBS: '1' });
  });
  after(() => t.close());

  test('a resume counts as an active job: 429 when the limit is reached, and the job stays ended', async () => {
    const first = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 10 } })).id;
    assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${first}/cancel` })).statusCode, 202);
    const second = await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 10 } });
    assert.equal(second.statusCode, 201);
    const res = await t.app.inject({ method: 'POST', url: `/jobs/${first}/resume` });
    assert.equal(res.statusCode, 429, res.body);
    assert.equal(body(res).code, 'TOO_MANY_ACTIVE_JOBS');
    assert.equal(body(await t.app.inject({ method: 'GET', url: `/jobs/${first}` })).status, 'cancelled');
    assert.equal(await t.app.infra.queue.getJob(first), undefined);
    assert.equal((await t.app.infra.events.read(first, '0')).length, 1, 'no queued event');
    // Once the other one ends, the resume goes through and takes the one place.
    assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${body(second).id}/cancel` })).statusCode, 202);
    assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${first}/resume` })).statusCode, 202);
    assert.equal((await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).statusCode, 429);
  });
});

describe('resume and the rate limit of POST /jobs', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_RATE_LIMIT_CREATE_MAX: '2', GANFORGE_RATE_LIMIT_WINDOW_MS: '60000' });
  });
  after(() => t.close());

  test('a resume starts training as a new job does: it spends the same, smaller budget', async () => {
    const id = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 10 } })).id;
    assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` })).statusCode, 202);
    assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${id}/resume` })).statusCode, 202);
    assert.equal((await t.app.inject({ method: 'POST', url: `/jobs/${id}/cancel` })).statusCode, 202, 'cancel is not counted');
    const res = await t.app.inject({ method: 'POST', url: `/jobs/${id}/resume` });
    assert.equal(res.statusCode, 429);
    assert.equal(body(res).code, 'RATE_LIMITED');
  });
});
