// Per-project quotas at the API: GET /quota, active jobs (429), iterations x batch and estimated bytes (422 naming the
// fields), stored bytes (422, freed by a delete), the default retention.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, assertProblem, bearer, body, createKey, startTestApp, type TestApp } from './test-app.js';
import { checkpointBytes } from '../../src/jobs/quota.js';

const MB = 1024 ** 2;
const paths = (res: { body: string }) => (body(res).errors ?? []).map((e: { path: string }) => e.path).sort();

describe('quotas', () => {
  let t: TestApp;
  let a: string;
  let b: string;
  const post = (token: string, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/jobs', headers: bearer(token), payload });
  before(async () => {
    t = await startTestApp({
      GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN,
      GANFORGE_RATE_LIMIT_CREATE_MAX: '1000',
      GANFORGE_QUOTA_ACTIVE_JOBS: '2',
      GANFORGE_QUOTA_JOB_EXAMPLES: '100000',
      GANFORGE_QUOTA_JOB_BYTES: String(100 * MB),
      GANFORGE_QUOTA_STORED_BYTES: String(1000),
      GANFORGE_QUOTA_MAX_RUNTIME_SECONDS: '3600',
      GANFORGE_QUOTA_DATASET_BYTES: '3000',
    });
    a = (await createKey(t, { project: 'qa', role: 'member' })).token;
    b = (await createKey(t, { project: 'qb', role: 'member' })).token;
  });
  after(() => t.close());

  test('GET /quota shows the limits and the project\'s usage', async () => {
    const res = await t.app.inject({ url: '/quota', headers: bearer(a) });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(body(res), {
      project: 'qa',
      limits: { activeJobs: 2, jobExamples: 100000, jobBytes: 100 * MB, storedBytes: 1000, datasetBytes: 3000, maxRuntimeSeconds: 3600, defaultKeepCheckpoints: 5 },
      usage: { activeJobs: 0, storedBytes: 0, datasetBytes: 0 },
    });
  });

  test('active jobs per project: the third is 429, another project is not affected, a cancel frees a place', async () => {
    const first = body(await post(a, { iterations: 10 }));
    assert.equal((await post(a, { iterations: 10 })).statusCode, 201);
    const third = await post(a, { iterations: 10 });
    assertProblem(third, 429, 'TOO_MANY_ACTIVE_JOBS');
    assert.match(body(third).detail, /project qa has 2 jobs queued or running.*GANFORGE_QUOTA_ACTIVE_JOBS/);
    assert.equal((await post(b, { iterations: 10 })).statusCode, 201, 'project qb has its own count');
    assert.equal(body(await t.app.inject({ url: '/quota', headers: bearer(a) })).usage.activeJobs, 2);
    await t.app.inject({ method: 'POST', url: `/jobs/${first.id}/cancel`, headers: bearer(a) });
    assert.equal((await post(a, { iterations: 10 })).statusCode, 201);
    // A resume counts like a new job.
    assertProblem(await t.app.inject({ method: 'POST', url: `/jobs/${first.id}/resume`, headers: bearer(a) }), 429, 'TOO_MANY_ACTIVE_JOBS');
  });

  test('dataset bytes: an upload past what is left of the quota is 422 and leaves nothing; a delete frees it', async () => {
    const upload = (token: string, bytes: number, name = 'q') =>
      t.app.inject({ method: 'POST', url: `/datasets?name=${name}`, headers: { ...bearer(token), 'content-type': 'application/zip' }, payload: Buffer.alloc(bytes, 7) });
    const datasets = async (token: string) => body(await t.app.inject({ url: '/datasets', headers: bearer(token) })).datasets.filter((d: { builtin?: boolean }) => !d.builtin);
    const first = await upload(a, 2000);
    assert.equal(first.statusCode, 202, first.body);
    const over = await upload(a, 2000, 'second');
    assertProblem(over, 422, 'QUOTA_EXCEEDED');
    assert.deepEqual(paths(over), ['body']);
    assert.match(body(over).detail, /GANFORGE_QUOTA_DATASET_BYTES/);
    assert.deepEqual((await datasets(a)).map((d: { name: string }) => d.name), ['q'], 'the refused upload left no dataset');
    assert.equal(body(await t.app.inject({ url: '/quota', headers: bearer(a) })).usage.datasetBytes, 2000);
    assert.equal((await upload(b, 2000)).statusCode, 202, 'project qb has its own quota');
    const del = await t.app.inject({ method: 'DELETE', url: `/datasets/${body(first).id}`, headers: bearer(a) });
    assert.equal(del.statusCode, 204, del.body);
    assert.equal((await upload(a, 2000, 'third')).statusCode, 202);
  });

  test('iterations x batchSize over the quota: 422 naming both fields, on create and on resume', async () => {
    const res = await post(b, { iterations: 1000, batchSize: 128 });
    assertProblem(res, 422, 'QUOTA_EXCEEDED');
    assert.deepEqual(paths(res), ['body.batchSize', 'body.iterations']);
    assert.match(body(res).detail, /iterations x batchSize is 128,000; this project's quota is 100,000 per job/);
  });

  test("a job's estimated bytes over the quota: 422 naming the fields that make it large", async () => {
    const perCheckpoint = checkpointBytes({ model: 'gan', latentDim: 100, dataset: 'mnist' });
    assert.ok(perCheckpoint > 24e6 && perCheckpoint < 25e6, `${perCheckpoint}: a checkpoint of model gan is ~24 MB`);
    const checkpoints = await post(b, { iterations: 20, batchSize: 1, checkpointInterval: 1, sampleInterval: 1, keepCheckpoints: 20 });
    assertProblem(checkpoints, 422, 'QUOTA_EXCEEDED');
    assert.deepEqual(paths(checkpoints), ['body.checkpointInterval', 'body.keepCheckpoints']);
    assert.match(body(checkpoints).detail, /20 kept checkpoints take 46\d\.\d MiB/);
    const samples = await post(b, { iterations: 2000, batchSize: 1, sampleInterval: 1, sampleGrid: 10, checkpointInterval: 1000 });
    assertProblem(samples, 422, 'QUOTA_EXCEEDED');
    assert.deepEqual(paths(samples), ['body.sampleGrid', 'body.sampleInterval']);
  });

  test('the default retention keeps the newest N checkpoints unless the spec says otherwise, and the estimate counts it', async () => {
    // 20 checkpoints of ~24 MB would be over 100 MB; with the default 5 kept... still over; with 2 it fits.
    assertProblem(await post(b, { iterations: 20, batchSize: 1, checkpointInterval: 1 }), 422, 'QUOTA_EXCEEDED');
    const ok = await post(b, { iterations: 20, batchSize: 1, checkpointInterval: 1, keepCheckpoints: 2 });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(body(ok).spec.keepCheckpoints, 2);
  });

  test('stored bytes: a project at its quota gets 422 for new jobs; deleting a job frees its bytes', async () => {
    const c = (await createKey(t, { project: 'qc', role: 'member' })).token;
    const job = body(await post(c, { iterations: 10 }));
    await t.app.inject({ method: 'POST', url: `/jobs/${job.id}/cancel`, headers: bearer(c) });
    await t.app.infra.artifacts.addSample(job.id, 1, new Uint8Array(600));
    await t.app.infra.artifacts.addSample(job.id, 2, new Uint8Array(600));
    assert.equal(body(await t.app.inject({ url: '/quota', headers: bearer(c) })).usage.storedBytes, 1200);
    const refused = await post(c, { iterations: 10 });
    assertProblem(refused, 422, 'QUOTA_EXCEEDED');
    assert.match(body(refused).detail, /project qc stores 1\.2 KiB, its quota is 1000 B/);
    assert.equal((await post(b, { iterations: 10 })).statusCode !== 422, true, 'other projects are not affected');
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/jobs/${job.id}`, headers: bearer(c) })).statusCode, 204);
    assert.equal(body(await t.app.inject({ url: '/quota', headers: bearer(c) })).usage.storedBytes, 0);
    assert.equal((await post(c, { iterations: 10 })).statusCode, 201);
  });
});
