// POST/GET /jobs and GET /jobs/:id against real Redis: defaults, seed, Location, queue entry, paging, filter, 429.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { body, startTestApp, type TestApp } from './test-app.js';

describe('jobs', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  test('POST /jobs fills defaults, records a random seed, enqueues, answers 201 with Location', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 50, name: 'first' } });
    assert.equal(res.statusCode, 201);
    const job = body(res);
    assert.equal(res.headers.location, `/jobs/${job.id}`);
    assert.match(job.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(job.name, 'first');
    assert.equal(job.status, 'queued');
    assert.deepEqual(
      { ...job.spec, seed: 0 },
      {
        model: 'gan',
        dataset: 'mnist',
        iterations: 50,
        batchSize: 128,
        latentDim: 100,
        learningRate: 0.0002,
        beta1: 0.5,
        beta2: 0.999,
        sampleInterval: 200,
        checkpointInterval: 1000,
        seed: 0,
        sampleGrid: 5,
        name: 'first',
        keepCheckpoints: 5,
      },
      'the default retention (GANFORGE_DEFAULT_KEEP_CHECKPOINTS) is recorded in the spec',
    );
    assert.ok(Number.isInteger(job.spec.seed) && job.spec.seed >= 0 && job.spec.seed < 2 ** 31);
    assert.deepEqual(job.progress, { iteration: 0, iterations: 50, itPerSec: null, etaSeconds: null });
    assert.equal(job.latest, null);
    assert.equal(job.links.generator, `/jobs/${job.id}/generator/model.json`);

    const queued = await t.app.infra.queue.getJob(job.id);
    assert.ok(queued, 'the BullMQ job exists');
    assert.deepEqual(queued.data, { jobId: job.id, spec: job.spec });

    const got = await t.app.inject({ method: 'GET', url: `/jobs/${job.id}` });
    assert.equal(got.statusCode, 200);
    assert.deepEqual(body(got), job);
  });

  test('an explicit seed is kept; two jobs without one get their own seeds recorded', async () => {
    const a = body((await t.app.inject({ method: 'POST', url: '/jobs', payload: { seed: 42, keepCheckpoints: 3 } })));
    assert.equal(a.spec.seed, 42);
    assert.equal(a.spec.keepCheckpoints, 3, 'the retention is part of the spec');
    assert.equal(a.spec.iterations, 30_000);
    const seeds = new Set<number>();
    for (let i = 0; i < 3; i++) seeds.add(body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).spec.seed);
    assert.ok(seeds.size > 1, 'random seeds differ');
  });

  test('progress shows an ETA while running', async () => {
    const job = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { iterations: 1000 } }));
    await t.app.infra.jobs.update(job.id, { status: 'running', iteration: 400, itPerSec: 20, latest: { dLoss: 0.5, dAcc: 0.75, gLoss: 1.5 } });
    const got = body(await t.app.inject({ method: 'GET', url: `/jobs/${job.id}` }));
    assert.deepEqual(got.progress, { iteration: 400, iterations: 1000, itPerSec: 20, etaSeconds: 30 });
    assert.deepEqual(got.latest, { dLoss: 0.5, dAcc: 0.75, gLoss: 1.5, quality: null });
  });

  test('x-request-id is accepted and echoed, in headers and problems', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/jobs/00000000-0000-4000-8000-000000000000', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['x-request-id'], 'abc-123');
    assert.equal(body(res).requestId, 'abc-123');
    const odd = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'no spaces allowed' } });
    assert.notEqual(odd.headers['x-request-id'], 'no spaces allowed');
  });
});

describe('GET /jobs', () => {
  let t: TestApp;
  const ids: string[] = [];
  before(async () => {
    t = await startTestApp();
    for (let i = 0; i < 5; i++) ids.push(body(await t.app.inject({ method: 'POST', url: '/jobs', payload: { name: `j${i}` } })).id);
    await t.app.infra.jobs.update(ids[1]!, { status: 'completed' });
    await t.app.infra.jobs.update(ids[3]!, { status: 'completed' });
  });
  after(() => t.close());

  test('pages newest first with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { statusCode: number; body: string } = await t.app.inject({ method: 'GET', url: `/jobs?limit=2${cursor ? `&cursor=${cursor}` : ''}` });
      assert.equal(res.statusCode, 200);
      const page = body(res);
      seen.push(...page.jobs.map((j: { id: string }) => j.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test('filters by status, and the default limit is 20', async () => {
    const done = body(await t.app.inject({ method: 'GET', url: '/jobs?status=completed' }));
    assert.deepEqual(done.jobs.map((j: { id: string }) => j.id), [ids[3], ids[1]]);
    assert.equal(done.nextCursor, null);
    const queued = body(await t.app.inject({ method: 'GET', url: '/jobs?status=queued&limit=2' }));
    assert.deepEqual(queued.jobs.map((j: { id: string }) => j.id), [ids[4], ids[2]]);
    assert.ok(queued.nextCursor);
    const all = body(await t.app.inject({ method: 'GET', url: '/jobs' }));
    assert.equal(all.jobs.length, 5);
    // Past the default: 21 jobs, a first page of 20 and a cursor.
    for (let i = 5; i < 21; i++) await t.app.inject({ method: 'POST', url: '/jobs', payload: { name: `j${i}` } });
    const first = body(await t.app.inject({ method: 'GET', url: '/jobs' }));
    assert.equal(first.jobs.length, 20);
    assert.ok(first.nextCursor);
  });
});

describe('GANFORGE_MAX_ACTIVE_JOBS', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_MAX_ACTIVE_JOBS: '2' });
  });
  after(() => t.close());

  test('caps queued + running jobs with 429', async () => {
    const a = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} }));
    const b = body(await t.app.inject({ method: 'POST', url: '/jobs', payload: {} }));
    await t.app.infra.jobs.update(b.id, { status: 'running' });
    const refused = await t.app.inject({ method: 'POST', url: '/jobs', payload: {} });
    assert.equal(refused.statusCode, 429);
    assert.match(refused.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(body(refused).code, 'TOO_MANY_ACTIVE_JOBS');
    await t.app.infra.jobs.update(a.id, { status: 'completed' });
    assert.equal((await t.app.inject({ method: 'POST', url: '/jobs', payload: {} })).statusCode, 201);
  });
});
