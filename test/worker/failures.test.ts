// Permanent failures end a job at once with a clear error, without retries: missing dataset, bad checkpoint, storage.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess, type Proc } from '../helpers/processes.js';
import { jobEnded, queueSettled, submitJob } from '../helpers/jobs.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { ArtifactIndex } from '../../src/jobs/artifact-index.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { createTrainQueue } from '../../src/jobs/train-queue.js';
import { type JobSpecInput } from '../../src/contract/job.js';

const prefix = uniquePrefix('failures');
const redis = connect();
const jobs = new JobStore(redis, prefix);
const queue = createTrainQueue(redis, prefix);
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-failures-'));
const cleanups: (() => Promise<unknown> | void)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await queue.close();
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function withWorker(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Proc> {
  const w = startProcess('src/worker/main.ts', {
    GANFORGE_PREFIX: prefix,
    GANFORGE_DATA_DIR: dataDir,
    GANFORGE_BACKEND: 'wasm',
    ...extraEnv,
  });
  cleanups.push(() => stopProcess(w, 'SIGKILL'));
  await w.waitFor(/worker ready/);
  return w;
}

async function runToEnd(input: JobSpecInput, before?: (id: string) => Promise<void>) {
  const id = await submitJob(jobs, queue, { batchSize: 16, sampleInterval: 10, checkpointInterval: 10, iterations: 30, ...input }, before);
  const done = await jobEnded(jobs, id, 90_000);
  const bull = await queueSettled(queue, id);
  return { done, attempts: bull.attemptsMade, state: await bull.getState() };
}

test('a missing dataset fails the job at once, naming the dataset and what to do', async () => {
  const w = await withWorker(path.join(tmp, 'data-a'), { GANFORGE_FASHION_MNIST_DIR: path.join(tmp, 'nowhere') });
  const { done, attempts, state } = await runToEnd({ dataset: 'fashion-mnist' });
  assert.equal(done.status, 'failed');
  assert.match(done.error!, /fashion-mnist/);
  assert.match(done.error!, /GANFORGE_FASHION_MNIST_DIR/);
  assert.equal(attempts, 1, 'not retried');
  assert.equal(state, 'failed');
  await stopProcess(w);
});

test('an invalid checkpoint fails the job at once instead of training from scratch', async () => {
  const dataDir = path.join(tmp, 'data-b');
  const w = await withWorker(dataDir);
  const index = new ArtifactIndex(redis, prefix, new FsArtifactStore(dataDir));
  const { done, attempts } = await runToEnd({}, async (id) => {
    await index.addCheckpoint(id, 10, new Map([['state.json', new TextEncoder().encode('{"format":"something-else"}')]]));
  });
  assert.equal(done.status, 'failed');
  assert.match(done.error!, /invalid checkpoint/);
  assert.equal(attempts, 1);
  await stopProcess(w);
});

test('storage that cannot be written (immutable directory) fails the job with the cause; nothing retried', async (t) => {
  const dataDir = path.join(tmp, 'data-c');
  await fs.mkdir(dataDir);
  try {
    execFileSync('chattr', ['+i', dataDir]);
  } catch {
    return t.skip('chattr +i is not available here');
  }
  cleanups.push(() => void execFileSync('chattr', ['-i', dataDir]));
  const w = await withWorker(dataDir);
  const { done, attempts } = await runToEnd({});
  assert.equal(done.status, 'failed');
  assert.match(done.error!, /cannot write artifact jobs\/.*: (EPERM|EACCES): operation not permitted|permission denied/i);
  assert.equal(attempts, 1);
  await stopProcess(w);
});

test('a full disk (64 KiB tmpfs) fails the job with ENOSPC named; nothing retried', async (t) => {
  const dataDir = path.join(tmp, 'data-d');
  await fs.mkdir(dataDir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dataDir]);
  } catch {
    return t.skip('cannot mount a tmpfs here (needs root)');
  }
  cleanups.push(() => void execFileSync('umount', ['-l', dataDir]));
  const w = await withWorker(dataDir);
  const { done, attempts } = await runToEnd({});
  assert.equal(done.status, 'failed');
  assert.match(done.error!, /ENOSPC: no space left on device/);
  assert.equal(attempts, 1);
  await stopProcess(w);
});
