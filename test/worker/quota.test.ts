// Quotas a worker enforces, with a real worker process: a checkpoint over the project's stored bytes fails the job
// with the reason, and a run longer than the maximum runtime is stopped (checkpointed, failed, resumable).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess } from '../helpers/processes.js';
import { jobEnded, queueSettled, submitJob } from '../helpers/jobs.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { ArtifactIndex } from '../../src/jobs/artifact-index.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { createTrainQueue } from '../../src/jobs/train-queue.js';
import { checkpointBytes } from '../../src/jobs/quota.js';

const redis = connect();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-quota-'));
const cleanups: (() => Promise<unknown> | void)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
  redis.disconnect();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function setUp(name: string, env: Record<string, string>) {
  const prefix = uniquePrefix(name);
  const dataDir = path.join(tmp, name);
  const jobs = new JobStore(redis, prefix);
  const queue = createTrainQueue(redis, prefix);
  const artifacts = new ArtifactIndex(redis, prefix, new FsArtifactStore(dataDir));
  const worker = startProcess('src/worker/main.ts', { GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, GANFORGE_BACKEND: 'wasm', ...env });
  cleanups.push(async () => {
    await stopProcess(worker, 'SIGKILL');
    await queue.close();
    await cleanup(redis, prefix);
  });
  await worker.waitFor(/worker ready/);
  return { jobs, queue, artifacts };
}

test('a checkpoint that would take the project over GANFORGE_QUOTA_STORED_BYTES fails the job, saying so', async () => {
  // Room for one checkpoint of model gan (~24 MB) and the samples, not for two.
  const limit = Math.round(checkpointBytes({ model: 'gan', latentDim: 100, dataset: 'mnist' }) * 1.5);
  const { jobs, queue, artifacts } = await setUp('quota-bytes', { GANFORGE_QUOTA_STORED_BYTES: String(limit) });
  const id = await submitJob(jobs, queue, { batchSize: 8, iterations: 6, sampleInterval: 100, checkpointInterval: 2 });
  const done = await jobEnded(jobs, id, 90_000);
  assert.equal(done.status, 'failed');
  assert.match(done.error!, /project default stores 2\d\.\d MiB; a 2\d\.\d MiB checkpoint would exceed its quota of 3\d\.\d MiB \(GANFORGE_QUOTA_STORED_BYTES\)/);
  assert.deepEqual((await artifacts.listCheckpoints(id)).items.map((c) => c.iteration), [2], 'the second checkpoint was not written');
  assert.ok((await artifacts.projectBytes('default')) <= limit);
  assert.equal((await queueSettled(queue, id)).attemptsMade, 1, 'not retried');
});

test('a run longer than GANFORGE_QUOTA_MAX_RUNTIME_SECONDS is checkpointed and failed with the reason', async () => {
  const { jobs, queue, artifacts } = await setUp('quota-runtime', { GANFORGE_QUOTA_MAX_RUNTIME_SECONDS: '2' });
  const id = await submitJob(jobs, queue, { batchSize: 8, iterations: 100_000, sampleInterval: 100_000, checkpointInterval: 100_000 });
  const done = await jobEnded(jobs, id, 90_000);
  assert.equal(done.status, 'failed');
  assert.match(done.error!, /^stopped at iteration \d+: a run may train 2 s at most \(GANFORGE_QUOTA_MAX_RUNTIME_SECONDS\); resume it to go on$/);
  assert.ok(done.iteration < 100_000);
  const [checkpoint] = (await artifacts.listCheckpoints(id)).items;
  assert.ok(checkpoint && checkpoint.iteration > 0, 'saved where it stopped, for a resume');
});
