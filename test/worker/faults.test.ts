// Real faults against real worker processes: SIGKILL mid-job resumes exactly; SIGTERM hands the job back at once.
import { metricNames } from '../../src/contract/job.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { jobEnded, queueSettled, submitJob } from '../helpers/jobs.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { MetricsStore } from '../../src/jobs/metrics-store.js';
import { EventLog } from '../../src/jobs/event-log.js';
import { ArtifactIndex } from '../../src/jobs/artifact-index.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { createTrainQueue } from '../../src/jobs/train-queue.js';
import { type JobRecord, type JobSpecInput } from '../../src/contract/job.js';

const prefix = uniquePrefix('faults');
const redis = connect();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-faults-'));
// Short locks so that a killed worker's job is taken over within seconds in this test.
const env = {
  GANFORGE_PREFIX: prefix,
  GANFORGE_DATA_DIR: dataDir,
  GANFORGE_BACKEND: 'wasm',
  GANFORGE_LOCK_DURATION_MS: '4000',
  GANFORGE_STALLED_INTERVAL_MS: '1000',
};
const jobs = new JobStore(redis, prefix);
const metrics = new MetricsStore(redis, prefix);
const events = new EventLog(redis, prefix);
const index = new ArtifactIndex(redis, prefix, new FsArtifactStore(dataDir));
const queue = createTrainQueue(redis, prefix);
const workers: Proc[] = [];

after(async () => {
  await Promise.all(workers.map((w) => stopProcess(w, 'SIGKILL')));
  await queue.close();
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
});

function startWorker(extraEnv: Record<string, string> = {}): Proc {
  const w = startProcess('src/worker/main.ts', { ...env, ...extraEnv });
  workers.push(w);
  return w;
}

const spec: JobSpecInput = { iterations: 120, batchSize: 16, sampleInterval: 20, checkpointInterval: 20, seed: 9 };

const submit = () => submitJob(jobs, queue, spec);
const finished = (id: string) => jobEnded(jobs, id, 180_000);

const reached = (id: string, iteration: number) =>
  waitUntil(async () => ((await jobs.get(id))?.iteration ?? 0) >= iteration, 120_000, `iteration ${iteration}`);

async function outcome(id: string, r: JobRecord, model = 'gan') {
  const { points } = await metrics.read(id, metricNames(model), r.iteration, { since: 0, limit: 10_000, every: 1 });
  const last = await index.getCheckpoint(id);
  const files = await index.readCheckpoint(last!);
  return { points, weights: Buffer.from(files.get('generator/weights.bin')!), dWeights: Buffer.from(files.get('discriminator/weights.bin')!) };
}

let reference: Awaited<ReturnType<typeof outcome>>;
let referenceAttempts = -1;

test('reference: an uninterrupted run', async () => {
  const w = startWorker();
  await w.waitFor(/worker ready/);
  const id = await submit();
  const r = await finished(id);
  assert.equal(r.status, 'completed');
  reference = await outcome(id, r);
  referenceAttempts = (await queueSettled(queue, id)).attemptsMade;
  assert.equal(reference.points.length, 120);
  assert.equal(await stopProcess(w), 0);
});

test('SIGKILL mid-job: another worker resumes from the last checkpoint; metrics and weights bit-identical', async () => {
  const a = startWorker();
  await a.waitFor(/worker ready/);
  const id = await submit();
  await reached(id, 50);
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  await a.exited;
  const b = startWorker();
  const resumed = await waitUntil(async () => {
    const evs = await events.read(id, '0', { count: 10_000 });
    return evs.find((e) => e.event === 'status' && (e.data as { resumedFrom?: number }).resumedFrom != null);
  }, 60_000, 'resume');
  const secondsToResume = (Date.now() - killedAt) / 1000;
  const r = await finished(id);
  assert.equal(r.status, 'completed', r.error ?? '');
  const got = await outcome(id, r);
  assert.deepEqual(got.points, reference.points, 'losses of every iteration equal the uninterrupted run');
  assert.ok(got.weights.equals(reference.weights), 'generator weights bit-identical');
  assert.ok(got.dWeights.equals(reference.dWeights), 'discriminator weights bit-identical');
  const resumedFrom = (resumed.data as { resumedFrom: number }).resumedFrom;
  assert.ok(resumedFrom >= 40 && resumedFrom % 20 === 0);
  console.log(`# SIGKILL: resumed from checkpoint ${resumedFrom} after ${secondsToResume.toFixed(1)} s`);
  assert.equal(await stopProcess(b), 0);
});

test('SIGTERM: the worker checkpoints, hands the job back, exits 0; the other worker continues at once', async () => {
  // A lock far longer than the test: were the job not handed back, worker b could only get it after 10 minutes, so a
  // take-over at all (waitUntil's deadline only guards against a hang) proves the hand-back. The stalled-check
  // interval stays short: BullMQ keeps one per queue, and a long one would hold up the next test's take-over.
  const longLocks = { GANFORGE_LOCK_DURATION_MS: '600000' };
  const a = startWorker(longLocks);
  await a.waitFor(/worker ready/);
  const id = await submit();
  await reached(id, 30);
  const b = startWorker(longLocks);
  await b.waitFor(/worker ready/);
  const termAt = Date.now();
  assert.equal(await stopProcess(a, 'SIGTERM'), 0, a.output().slice(-2000));
  const exitSeconds = (Date.now() - termAt) / 1000;
  await waitUntil(async () => b.output().includes(id) && /training/.test(b.output()), 120_000, 'worker b to take the job');
  const takeoverSeconds = (Date.now() - termAt) / 1000;
  const r = await finished(id);
  assert.equal(r.status, 'completed');
  const got = await outcome(id, r);
  assert.deepEqual(got.points, reference.points);
  assert.ok(got.weights.equals(reference.weights));
  const job = await queueSettled(queue, id);
  assert.equal(job.stalledCounter, 0, 'handed back, never detected as stalled');
  assert.equal(job.attemptsMade, referenceAttempts, 'a graceful hand-back does not use up an attempt');
  console.log(`# SIGTERM: worker exited in ${exitSeconds.toFixed(1)} s; job continued after ${takeoverSeconds.toFixed(1)} s`);
  assert.equal(await stopProcess(b), 0);
});

test('a stale worker (SIGSTOP past its lock, then SIGCONT) writes nothing more into the job', async () => {
  const a = startWorker();
  await a.waitFor(/worker ready/);
  const id = await submit();
  await reached(id, 30);
  a.child.kill('SIGSTOP');
  const b = startWorker();
  await waitUntil(async () => /training/.test(b.output()) && b.output().includes(id), 60_000, 'worker b to take over');
  await reached(id, 70);
  a.child.kill('SIGCONT');
  await a.waitFor(/lost the job lock/, 30_000);
  const r = await finished(id);
  assert.equal(r.status, 'completed');
  const got = await outcome(id, r);
  assert.deepEqual(got.points, reference.points);
  const evs = await events.read(id, '0', { count: 10_000 });
  const sampleIterations = evs.filter((e) => e.event === 'sample').map((e) => (e.data as { iteration: number }).iteration);
  const ckptIterations = evs.filter((e) => e.event === 'checkpoint').map((e) => (e.data as { iteration: number }).iteration);
  // The takeover redoes iterations after the last checkpoint once; nothing after that comes twice.
  const after70 = (xs: number[]) => xs.filter((x) => x > 70);
  assert.deepEqual(after70(sampleIterations), [80, 100, 120]);
  assert.deepEqual(after70(ckptIterations), [80, 100, 120]);
  const statuses = evs.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status);
  assert.equal(statuses.filter((s) => s === 'completed').length, 1);
  await Promise.all([stopProcess(a), stopProcess(b)]);
});

test('a job killed three times still completes, bit-identical to the uninterrupted run', async () => {
  let w = startWorker();
  await w.waitFor(/worker ready/);
  const id = await submit();
  for (const at of [30, 60, 90]) {
    await reached(id, at);
    w.child.kill('SIGKILL');
    await w.exited;
    w = startWorker();
  }
  const r = await finished(id);
  assert.equal(r.status, 'completed', r.error ?? '');
  const got = await outcome(id, r);
  assert.deepEqual(got.points, reference.points);
  assert.ok(got.weights.equals(reference.weights));
  await stopProcess(w);
});

test('every other model: SIGKILL mid-job resumes bit for bit, metrics and weights, as an uninterrupted run', async () => {
  const models = ['dcgan', 'cgan', 'lsgan', 'wgan', 'wgan-gp'];
  const specOf = (model: string): JobSpecInput =>
    ({ model, iterations: 40, batchSize: 4, sampleInterval: 40, checkpointInterval: 10, seed: 4, ...(model.startsWith('wgan') ? { nCritic: 2 } : {}) }) as JobSpecInput;
  let w = startWorker();
  await w.waitFor(/worker ready/);
  const references: Record<string, Awaited<ReturnType<typeof outcome>>> = {};
  for (const model of models) {
    const id = await submitJob(jobs, queue, specOf(model));
    const r = await finished(id);
    assert.equal(r.status, 'completed', `${model}: ${r.error}`);
    references[model] = await outcome(id, r, model);
    assert.equal(references[model]!.points.length, 40);
  }
  for (const model of models) {
    const id = await submitJob(jobs, queue, specOf(model));
    await reached(id, 15);
    await stopProcess(w, 'SIGKILL');
    assert.ok(((await jobs.get(id))?.iteration ?? 0) < 40, `${model} was killed before it finished`);
    w = startWorker();
    await w.waitFor(/worker ready/);
    const r = await finished(id);
    assert.equal(r.status, 'completed', `${model}: ${r.error}`);
    assert.deepEqual(await outcome(id, r, model), references[model], model);
  }
  assert.equal(await stopProcess(w), 0);
});
