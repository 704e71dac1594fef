// Sample quality end to end: a real worker trains MNIST's scorer (with progress) beside a job, scores every checkpoint
// (inline or once the scorer is ready), and an old checkpoint again on demand over real HTTP (202, then the event).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertProblem, startTestApp, startWorker, type TestApp } from '../api/test-app.js';
import { stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { connect } from '../helpers/redis.js';
import { jobEnded, submitJob } from '../helpers/jobs.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { EventLog } from '../../src/jobs/event-log.js';
import { QualityStore } from '../../src/jobs/quality-store.js';
import { createTrainQueue } from '../../src/jobs/train-queue.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { ScorerCache } from '../../src/worker/quality-scoring.js';
import { initBackend } from '../../src/gan/backend.js';
import { GanTrainer } from '../../src/gan/trainer.js';
import { trainConfig } from '../../src/gan/train-config.js';
import { BuiltinSource } from '../../src/gan/datasets/sources.js';
import type { QualityPoint, ScorerStatus } from '../../src/contract/quality.js';
import type { Queue } from 'bullmq';
import type { TrainJobData } from '../../src/contract/job.js';

const redis = connect();
let t: TestApp;
let worker: Proc;
let queue: Queue<TrainJobData>;

before(async () => {
  t = await startTestApp({ GANFORGE_QUALITY_SAMPLES: '200' });
  queue = createTrainQueue(redis, t.env.GANFORGE_PREFIX);
  // Small and fast: one classifier epoch over MNIST's 8,000 training digits (~95% held-out accuracy), 200 images a score.
  worker = await startWorker(t, { GANFORGE_QUALITY_SAMPLES: '200', GANFORGE_QUALITY_EPOCHS: '1' });
});

after(async () => {
  if (worker) assert.equal(await stopProcess(worker), 0, worker.output().slice(-2000));
  await queue?.close();
  await t?.close();
  redis.disconnect();
});

test('a job scores its checkpoints with MNIST scorer: progress, a point and event per checkpoint, calibration, on demand', async (ctx) => {
  const prefix = t.env.GANFORGE_PREFIX;
  const jobs = new JobStore(redis, prefix);
  const quality = new QualityStore(redis, prefix);
  const events = new EventLog(redis, prefix);
  const checkpoints = [150, 300, 450, 600];
  const id = await submitJob(jobs, queue, { iterations: 600, batchSize: 32, sampleInterval: 600, checkpointInterval: 150, seed: 2 });

  // The scorer is queued by the job's start and trains while the job does, reporting its progress.
  const hash = await waitUntil(() => quality.jobScorer(id), 60_000, 'the job to record its scorer');
  const seen: ScorerStatus[] = [];
  const ready = await waitUntil(async () => {
    const s = await quality.scorer(hash);
    if (s) seen.push(s);
    return s && s.state !== 'pending' && s.state !== 'training' && s;
  }, 300_000, 'the scorer to be trained');
  assert.equal(ready.state, 'ready', ready.reason ?? '');
  assert.ok(seen.some((s) => s.state === 'training' && s.progress && s.progress.done > 0 && s.progress.done < s.progress.total), 'progress while training');
  assert.equal(ready.kind, 'classifier');
  assert.ok(ready.heldOutAccuracy! > 0.9, `held-out accuracy ${ready.heldOutAccuracy}`);

  const done = await jobEnded(jobs, id, 300_000);
  assert.equal(done.status, 'completed', done.error ?? '');
  // Checkpoints saved before the scorer was ready are scored from their files once it is: every one has its point.
  const points = await waitUntil(async () => {
    const p = await quality.points(id);
    return p.length === checkpoints.length && p;
  }, 120_000, 'a point for every checkpoint');
  assert.deepEqual(points.map((p) => p.iteration), checkpoints);
  for (const p of points) {
    assert.equal(p.n, 200);
    assert.equal(p.scorer, 'classifier');
    assert.equal(p.labelAccuracy, null, 'gan is not conditional');
    assert.ok(p.is! >= 1 && p.is! <= 10);
  }
  const qualityEvents = (await events.read(id, '0', { count: 10_000 })).filter((e) => e.event === 'quality').map((e) => e.data as QualityPoint);
  assert.deepEqual([...new Set(qualityEvents.map((e) => e.iteration))].sort((a, b) => a - b), checkpoints, 'a quality event per checkpoint');

  // Calibration: real vs real far below an untrained generator, and training improves the score.
  await initBackend('wasm');
  const scorer = (await new ScorerCache(new FsArtifactStore(t.env.GANFORGE_DATA_DIR)).get(hash))!;
  const untrained = await GanTrainer.create({ config: trainConfig({ seed: 2, batchSize: 32 }), dataset: await new BuiltinSource(t.env).load('mnist') });
  const baseline = await scorer.score(untrained.generator, 200);
  untrained.dispose();
  const reference = ready.reference!;
  ctx.diagnostic(`real vs real FD ${reference.fd}, IS ${reference.is}; untrained FD ${baseline.fd}, IS ${baseline.is}; ` +
    points.map((p) => `${p.iteration}: FD ${p.fd.toFixed(1)} IS ${p.is!.toFixed(2)} (${p.seconds.toFixed(2)} s)`).join(', '));
  const last = points.at(-1)!;
  assert.ok(reference.fd < baseline.fd / 10, `real vs real FD ${reference.fd}, untrained generator ${baseline.fd}`);
  assert.ok(reference.is! > 6, `IS of held-out real images ${reference.is} (10 classes)`);
  assert.ok(last.fd < baseline.fd * 0.75, `FD after 600 iterations ${last.fd}, untrained ${baseline.fd}`);
  assert.ok(last.is! > baseline.is!, `IS after 600 iterations ${last.is}, untrained ${baseline.is}`);
  // A short GAN run's FD wobbles between checkpoints; the trend holds: a later checkpoint beats the first, IS grows.
  const first = points[0]!;
  assert.ok(Math.min(...points.slice(1).map((p) => p.fd)) < first.fd, `a later FD below iteration 150's ${first.fd}`);
  assert.ok(last.is! > first.is!, `IS grows from iteration 150 (${first.is}) to 600 (${last.is})`);
  scorer.dispose();

  // On demand over HTTP: 202 naming the quality URL, then a new event for that iteration with the same scores.
  const base = await t.listen();
  const before = (await events.read(id, '0', { count: 10_000 })).length;
  const res = await fetch(`${base}/jobs/${id}/checkpoints/300/score`, { method: 'POST' });
  assert.equal(res.status, 202, await res.clone().text());
  assert.equal(res.headers.get('location'), `/jobs/${id}/quality`);
  assert.deepEqual(await res.json(), { jobId: id, iteration: 300, scorer: 'ready', quality: `/jobs/${id}/quality` });
  const again = await waitUntil(async () => {
    const fresh = (await events.read(id, '0', { count: 10_000 })).slice(before).filter((e) => e.event === 'quality');
    return fresh[0]?.data as QualityPoint | undefined;
  }, 60_000, 'the on-demand quality event');
  const inline = points.find((p) => p.iteration === 300)!;
  assert.equal(again.iteration, 300);
  assert.equal(again.fd, inline.fd, 'the same checkpoint on the same seeded noise scores the same');
  assert.equal(again.is, inline.is);

  // A checkpoint that does not exist: 404; a job whose scorer failed: 409 with the reason.
  assertProblem(await t.app.inject({ method: 'POST', url: `/jobs/${id}/checkpoints/151/score` }), 404, 'NOT_FOUND');
  await quality.setScorer({ ...ready, state: 'failed', reason: 'classifier diverged', updatedAt: new Date().toISOString() });
  const failed = await t.app.inject({ method: 'POST', url: `/jobs/${id}/checkpoints/300/score` });
  assertProblem(failed, 409, 'SCORER_UNAVAILABLE');
  assert.match(JSON.parse(failed.body).detail, /failed: classifier diverged/);
});
