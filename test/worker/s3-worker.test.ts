// A real worker process with GANFORGE_STORAGE=s3 against a real S3-compatible server: it trains a job into the bucket,
// and the API serves and deletes what it wrote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { freePort, startProcess, stopProcess, waitUntil } from '../helpers/processes.js';
import { jobEnded, queueSettled, submitJob } from '../helpers/jobs.js';
import { startS3Server, type S3Server } from '../helpers/s3-server.js';
import { startTestApp } from '../api/test-app.js';
import { ClusterStats } from '../../src/jobs/cluster-stats.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { createTrainQueue } from '../../src/jobs/train-queue.js';
import { S3ArtifactStore } from '../../src/storage/s3-artifact-store.js';

const prefix = uniquePrefix('s3worker');
const redis = connect();
const queue = createTrainQueue(redis, prefix);
let s3: S3Server;

before(async () => {
  s3 = await startS3Server();
  // The API in this process finds its credentials where the SDK looks: the standard AWS variables.
  process.env.AWS_ACCESS_KEY_ID = s3.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = s3.env.AWS_SECRET_ACCESS_KEY;
});
after(async () => {
  await queue.close();
  await cleanup(redis, prefix);
  redis.disconnect();
  await s3?.stop();
});

test('a worker with GANFORGE_STORAGE=s3 writes samples and checkpoints to the bucket; the API serves and deletes them', async () => {
  const worker = startProcess('src/worker/main.ts', { ...s3.env, GANFORGE_PREFIX: prefix, GANFORGE_BACKEND: 'wasm', GANFORGE_DATA_DIR: '/nonexistent' });
  const bucket = new S3ArtifactStore({ client: s3.client(), bucket: s3.bucket });
  const t = await startTestApp({ ...s3.env, GANFORGE_PREFIX: prefix });
  try {
    await worker.waitFor(/heartbeat started/);
    const jobs = new JobStore(redis, prefix);
    const record = { id: await submitJob(jobs, queue, { iterations: 20, batchSize: 16, sampleInterval: 10, checkpointInterval: 10, seed: 3 }) };
    const done = await jobEnded(jobs, record.id);
    assert.equal(done.status, 'completed', done.error ?? worker.output().slice(-2000));

    const keys = await bucket.list(`jobs/${record.id}`);
    const samples = keys.filter((k) => k.includes('/samples/'));
    assert.equal(samples.length, 2, keys.join('\n'));
    assert.ok(keys.some((k) => k === `jobs/${record.id}/checkpoints/10/state.json`), keys.join('\n'));
    assert.ok(keys.some((k) => k === `jobs/${record.id}/checkpoints/20/generator/weights.bin`), keys.join('\n'));
    const png = (await bucket.get(samples[0]!))!;
    assert.ok(PNG.sync.read(Buffer.from(png)).width > 100);

    // The API reads the same bucket: a sample by URL, then a delete that empties the job's prefix.
    const [sample] = (await t.app.inject({ method: 'GET', url: `/jobs/${record.id}/samples` })).json().samples as { url: string }[];
    const served = await t.app.inject({ method: 'GET', url: sample!.url });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], 'image/png');
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/jobs/${record.id}` })).statusCode, 204);
    assert.deepEqual(await bucket.list(`jobs/${record.id}`), []);
  } finally {
    assert.equal(await stopProcess(worker), 0, worker.output().slice(-2000));
    await t.close();
    await bucket.close();
  }
  // Counted by the worker for GET /metrics; its last step times are written when it stops.
  const { jobs: counted, stepTimes } = await new ClusterStats(redis, prefix).read();
  assert.deepEqual(counted, { started: 1, completed: 1, failed: 0, cancelled: 0 });
  assert.equal(stepTimes.count, 19, 'every step but the first (warm-up) is timed');
});

test('a storage outage is transient: the attempt fails, the job is retried with backoff and completes', async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // The worker starts while nothing listens on the S3 endpoint; the bucket comes up after the first attempt failed.
  const worker = startProcess('src/worker/main.ts', {
    ...s3.env,
    GANFORGE_S3_ENDPOINT: endpoint,
    GANFORGE_PREFIX: prefix,
    GANFORGE_BACKEND: 'wasm',
    GANFORGE_DATA_DIR: '/nonexistent',
  });
  let late: S3Server | undefined;
  try {
    await worker.waitFor(/worker ready/);
    const jobs = new JobStore(redis, prefix);
    const record = { id: await submitJob(jobs, queue, { iterations: 20, batchSize: 16, sampleInterval: 10, checkpointInterval: 10, seed: 6 }) };
    const failedOnce = await waitUntil(async () => {
      const r = await jobs.get(record.id);
      return r?.error?.startsWith('attempt 1 failed') && r;
    }, 120_000, 'the first attempt to fail');
    assert.equal(failedOnce.status, 'queued', 'a transient failure puts the job back in the queue');
    assert.match(failedOnce.error!, /cannot write artifact/);
    late = await startS3Server('ganforge-test', port);
    const done = await jobEnded(jobs, record.id);
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.error, null);
    const bull = await queueSettled(queue, record.id);
    assert.equal(bull.attemptsMade, 2, 'completed on the second attempt');
  } finally {
    await stopProcess(worker);
    await late?.stop();
  }
});
