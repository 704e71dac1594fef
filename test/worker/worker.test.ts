// A real worker process against real Redis: it trains a queued job to the end and records everything.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { PNG } from 'pngjs';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess } from '../helpers/processes.js';
import { jobEnded, submitJob } from '../helpers/jobs.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { MetricsStore } from '../../src/jobs/metrics-store.js';
import { EventLog } from '../../src/jobs/event-log.js';
import { ArtifactIndex } from '../../src/jobs/artifact-index.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { createTrainQueue } from '../../src/jobs/train-queue.js';
import { metricNames } from '../../src/contract/job.js';
import { NATIVE_LABEL, NATIVE_LABEL_SOURCE } from '../helpers/native-label.js';

const prefix = uniquePrefix('worker');
const redis = connect();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-worker-'));
const env = { GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, GANFORGE_BACKEND: 'wasm' };
const jobs = new JobStore(redis, prefix);
const queue = createTrainQueue(redis, prefix);

after(async () => {
  await queue.close();
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
});

test('a worker trains a job: 60 metric points, 3 samples, the newest 2 of 3 checkpoints kept, completed, backend reported', async () => {
  const worker = startProcess('src/worker/main.ts', env);
  try {
    await worker.waitFor(/backend wasm/);
    const id = await submitJob(jobs, queue, { iterations: 60, batchSize: 16, sampleInterval: 20, checkpointInterval: 20, seed: 5, keepCheckpoints: 2 });
    const done = await jobEnded(jobs, id);
    assert.equal(done.status, 'completed', done.error ?? '');
    assert.equal(done.iteration, 60);
    assert.match(done.backend ?? '', new RegExp(`^(wasm|${NATIVE_LABEL_SOURCE})$`), `the provider label: ${NATIVE_LABEL} when the native kernels are built`);
    assert.equal(done.dataset?.name, 'mnist');

    const { points } = await new MetricsStore(redis, prefix).read(id, metricNames('gan'), done.iteration, { since: 0, limit: 1000, every: 1 });
    assert.deepEqual(points.map((p) => p.iteration), Array.from({ length: 60 }, (_, i) => i + 1));
    const index = new ArtifactIndex(redis, prefix, new FsArtifactStore(dataDir));
    const events = await new EventLog(redis, prefix).read(id, '0', { count: 10_000 });
    const samples = (await index.listSamples(id)).items;
    assert.deepEqual(samples.map((s) => s.iteration), [20, 40, 60]);
    const png = PNG.sync.read(Buffer.from((await index.store.get(samples[0]!.key))!));
    assert.ok(png.width > 100);
    // keepCheckpoints 2: checkpoint 20 was deleted, record and files, once 60 was written.
    assert.deepEqual((await index.listCheckpoints(id)).items.map((c) => c.iteration), [40, 60]);
    assert.deepEqual(await index.store.list(`jobs/${id}/checkpoints/20`), []);
    assert.ok((await index.store.list(`jobs/${id}/checkpoints/40`)).includes(`jobs/${id}/checkpoints/40/state.json`));
    const written = events.filter((e) => e.event === 'checkpoint').map((e) => (e.data as { iteration: number }).iteration);
    assert.deepEqual(written, [20, 40, 60], 'every checkpoint was written and announced');

    const streamed = events.filter((e) => e.event === 'metrics').flatMap((e) => (e.data as { points: typeof points }).points);
    assert.deepEqual(streamed, points, 'the live stream carries exactly the values the history keeps');
    const { iteration: _, ...last } = points[59]!;
    assert.deepEqual(done.latest, last, '`latest` is the last point of the history');
    assert.deepEqual(events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status), ['running', 'completed']);
  } finally {
    assert.equal(await stopProcess(worker), 0, worker.output().slice(-2000));
  }
});
