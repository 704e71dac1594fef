// Worker heartbeats: the Heartbeat class on real Redis, and two real worker processes listed by GET /workers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import pino from 'pino';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { body, startTestApp } from '../api/test-app.js';
import { ClusterStats } from '../../src/jobs/cluster-stats.js';
import { WorkerRegistry, type WorkerHeartbeat } from '../../src/jobs/worker-registry.js';
import { Heartbeat } from '../../src/worker/heartbeat.js';
import { NATIVE_LABEL_SOURCE } from '../helpers/native-label.js';

const prefix = uniquePrefix('heartbeat');
const redis = connect();
after(async () => {
  await cleanup(redis, prefix);
  redis.disconnect();
});

test('Heartbeat publishes the current job and speed, adds step times, and leaves the registry on stop', async () => {
  const registry = new WorkerRegistry(redis, prefix);
  const stats = new ClusterStats(redis, prefix);
  const beat = new Heartbeat(
    { registry, stats, log: pino({ level: 'silent' }), intervalMs: 50 },
    { id: 'unit:1:aaaaaa', hostname: 'unit', pid: 1, backend: { name: 'cpu', provider: '@tensorflow/tfjs' }, startedAt: new Date().toISOString() },
  );
  beat.start();
  try {
    await waitUntil(async () => (await registry.list()).find((w) => w.id === beat.id), 5_000, 'first heartbeat');
    beat.progress('job-1', 12, 3.25);
    beat.observeStep(0.02);
    const listed = await waitUntil(async () => (await registry.list()).find((w) => w.job?.iteration === 12), 5_000, 'progress');
    assert.deepEqual(listed.job, { id: 'job-1', iteration: 12, itPerSec: 3.25 });
    beat.idle();
    await waitUntil(async () => (await registry.list()).find((w) => w.id === beat.id && w.job === null), 5_000, 'idle');
    beat.observeStep(0.03);
  } finally {
    await beat.stop();
  }
  assert.deepEqual(await registry.list(), []);
  assert.equal((await stats.read()).stepTimes.count, 2, 'step times observed before stop are all written');
});

test('GET /workers lists two real workers with backend wasm; one that gets SIGTERM leaves the list', async () => {
  const env = { GANFORGE_PREFIX: prefix, GANFORGE_BACKEND: 'wasm' };
  const t = await startTestApp({ GANFORGE_PREFIX: prefix });
  const workers: Proc[] = [startProcess('src/worker/main.ts', env), startProcess('src/worker/main.ts', env)];
  const list = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/workers' });
    assert.equal(res.statusCode, 200);
    return body<{ workers: WorkerHeartbeat[] }>(res).workers;
  };
  try {
    const both = await waitUntil(async () => {
      const live = await list();
      return live.length === 2 && live;
    }, 90_000, 'two workers in GET /workers');
    assert.deepEqual(both.map((w) => w.pid).sort(), workers.map((w) => w.child.pid).sort());
    for (const w of both) {
      assert.match(w.backend.name, new RegExp(`^(wasm|${NATIVE_LABEL_SOURCE})$`), 'the backend with its kernel provider');
      assert.equal(w.backend.provider, '@tensorflow/tfjs-backend-wasm');
      assert.equal(w.hostname, os.hostname());
      assert.equal(w.job, null);
      assert.equal(w.gpu, null, 'backend wasm: no GPU claimed');
      assert.match(w.id, new RegExp(`^${os.hostname()}:${w.pid}:[0-9a-f]{6}$`));
    }

    const [gone, stays] = workers as [Proc, Proc];
    assert.equal(await stopProcess(gone), 0, gone.output().slice(-2000));
    assert.deepEqual((await list()).map((w) => w.pid), [stays.child.pid], 'removed at shutdown, not after the 30 s TTL');
  } finally {
    for (const w of workers) await stopProcess(w);
    await t.close();
  }
});
