// Real worker processes claiming GPUs in real Redis, with a fake nvidia-smi listing two GPUs in place of the hardware.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { body, startTestApp } from '../api/test-app.js';
import type { WorkerGpu, WorkerHeartbeat } from '../../src/jobs/worker-registry.js';
import { gpuKeys } from '../../src/worker/gpu-lease.js';
import { FAKE_GPUS, fakeNvidiaSmi } from './fake-nvidia-smi.js';
import { NATIVE_LABEL_SOURCE } from '../helpers/native-label.js';

const prefix = uniquePrefix('gpu-workers');
const keys = gpuKeys(prefix);
const redis = connect();
const fake = await fakeNvidiaSmi();
after(async () => {
  await cleanup(redis, prefix);
  redis.disconnect();
  await fake.remove();
});

// Backend auto: tfjs-node-gpu and tfjs-node are not installed here, so the workers choose their GPU, then load wasm.
const TTL_MS = 5_000;
const env = { GANFORGE_PREFIX: prefix, GANFORGE_BACKEND: 'auto', GANFORGE_GPU: 'auto', GANFORGE_GPU_LEASE_TTL_MS: String(TTL_MS), PATH: fake.path };

interface LogLine {
  level: number;
  msg: string;
  gpu?: WorkerGpu;
  cudaVisibleDevices?: string;
  workerId?: string;
}

function logLines(p: Proc): LogLine[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** Starts a worker and waits until it beats; returns its id and the log line of its GPU choice. */
async function startWorker(procs: Proc[]) {
  const p = startProcess('src/worker/main.ts', env);
  procs.push(p);
  await p.waitFor(/heartbeat started/, 180_000);
  const lines = logLines(p);
  const choice = lines.find((l) => l.cudaVisibleDevices !== undefined);
  assert.ok(choice, p.output().slice(-3000));
  assert.equal(choice.cudaVisibleDevices, choice.gpu!.uuid, 'CUDA_VISIBLE_DEVICES is set to the UUID of its GPU');
  // wasm, with the native kernels when they are built (CI builds them).
  assert.ok(lines.some((l) => new RegExp(`^backend (wasm|${NATIVE_LABEL_SOURCE}) \\(@tensorflow/tfjs-backend-wasm\\)$`).test(l.msg)), p.output().slice(-3000));
  const id = lines.find((l) => l.workerId)!.workerId!;
  return { p, id, choice, gpu: choice.gpu!, shared: choice.level === 40 };
}

test('workers on two GPUs: one each, the third shares with a warning; a stopped one frees its GPU, a killed one after the ttl', { timeout: 900_000 }, async () => {
  const t = await startTestApp({ GANFORGE_PREFIX: prefix });
  const procs: Proc[] = [];
  const listed = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/workers' });
    assert.equal(res.statusCode, 200);
    return body<{ workers: WorkerHeartbeat[] }>(res).workers;
  };
  try {
    const [a, b, c] = await Promise.all([startWorker(procs), startWorker(procs), startWorker(procs)]);
    const workers = [a!, b!, c!];
    const owners = workers.filter((w) => !w.shared);
    const [sharer, ...more] = workers.filter((w) => w.shared);
    assert.equal(more.length, 0, 'one worker shares');
    assert.deepEqual(owners.map((w) => w.gpu.uuid).sort(), FAKE_GPUS.map((g) => g.uuid), 'the other two have a GPU each');
    assert.match(sharer!.choice.msg, /shared with 1 other worker\(s\): more workers than GPUs \(2\)/);
    for (const w of owners) {
      assert.match(w.choice.msg, new RegExp(`^GPU ${w.gpu.index} \\(NVIDIA Fake A100-SXM4-40GB\\) leased: CUDA_VISIBLE_DEVICES=${w.gpu.uuid}$`));
      assert.equal(await redis.get(keys.lease(w.gpu.uuid)), w.id, 'the lease names its worker');
    }
    assert.deepEqual(await redis.zrange(keys.sharers(sharer!.gpu.uuid), 0, -1), [sharer!.id]);
    for (const w of workers) {
      const fake = FAKE_GPUS.find((g) => g.uuid === w.gpu.uuid)!;
      assert.deepEqual(w.gpu, { index: fake.index, uuid: fake.uuid, name: fake.name, memoryMiB: fake.memoryMiB });
      assert.ok(logLines(w.p).some((l) => l.level === 40 && /claimed, but backend wasm does not use it/.test(l.msg)));
    }

    // GET /workers shows each worker's GPU.
    const live = await waitUntil(async () => {
      const ws = await listed();
      return ws.length === 3 && ws;
    }, 120_000, 'three workers in GET /workers');
    for (const w of workers) {
      const entry = live.find((l) => l.id === w.id);
      assert.ok(entry, w.id);
      assert.deepEqual(entry.gpu, { index: w.gpu.index, uuid: w.gpu.uuid, name: w.gpu.name });
    }

    // SIGTERM the holder of the GPU nobody shares: it releases its lease before it exits; a new worker gets that GPU.
    const leaving = owners.find((w) => w.gpu.uuid !== sharer!.gpu.uuid)!;
    assert.equal(await stopProcess(leaving.p), 0, leaving.p.output().slice(-2000));
    assert.equal(await redis.exists(keys.lease(leaving.gpu.uuid)), 0, 'released at shutdown, not after the ttl');
    assert.ok(logLines(leaving.p).some((l) => l.msg === 'stopped'));
    const d = await startWorker(procs);
    assert.deepEqual([d.gpu.uuid, d.shared], [leaving.gpu.uuid, false], d.choice.msg);
    assert.equal(await redis.get(keys.lease(d.gpu.uuid)), d.id);
    const pttl = await redis.pttl(keys.lease(d.gpu.uuid));
    assert.ok(pttl > 0 && pttl <= TTL_MS, `the lease carries the ttl (PTTL ${pttl})`);

    // SIGKILL it: nothing releases the lease, which expires after the ttl; then the GPU is claimable again.
    d.p.child.kill('SIGKILL');
    await d.p.exited;
    await waitUntil(async () => (await redis.exists(keys.lease(d.gpu.uuid))) === 0, 120_000, "the killed worker's lease to expire");
    const e = await startWorker(procs);
    assert.deepEqual([e.gpu.uuid, e.shared], [d.gpu.uuid, false], e.choice.msg);

    // The sharer leaves the sharer set when it stops; the other GPU's holder is still there.
    assert.equal(await stopProcess(sharer!.p), 0, sharer!.p.output().slice(-2000));
    assert.deepEqual(await redis.zrange(keys.sharers(sharer!.gpu.uuid), 0, -1), []);
    const stays = owners.find((w) => w !== leaving)!;
    assert.equal(await redis.get(keys.lease(stays.gpu.uuid)), stays.id);
  } finally {
    for (const p of procs) await stopProcess(p);
    await t.close();
  }
});
