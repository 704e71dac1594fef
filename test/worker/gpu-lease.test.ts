// GPU choice and leases on real Redis, in-process: who gets which GPU, sharing, renewal only by the holder, release.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { chooseGpu, type GpuChoiceOptions } from '../../src/worker/gpu-choice.js';
import { GpuLease, gpuKeys } from '../../src/worker/gpu-lease.js';
import type { GpuSetting } from '../../src/config/env.js';
import { FAKE_GPUS, fakeNvidiaSmi } from './fake-nvidia-smi.js';

const redis = connect();
const fake = await fakeNvidiaSmi();
const prefixes: string[] = [];
after(async () => {
  for (const p of prefixes) await cleanup(redis, p);
  redis.disconnect();
  await fake.remove();
});

const [GPU0, GPU1] = FAKE_GPUS as [(typeof FAKE_GPUS)[0], (typeof FAKE_GPUS)[0]];

/** A fresh prefix and a chooser whose log lines and environment the test can read. */
function setup() {
  const prefix = uniquePrefix('gpu');
  prefixes.push(prefix);
  const logs: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const choose = async (workerId: string, setting: GpuSetting = { mode: 'auto' }, backend: GpuChoiceOptions['backend'] = 'auto') => {
    const env: NodeJS.ProcessEnv = { PATH: fake.path };
    const choice = await chooseGpu({ setting, backend, redis, prefix, workerId, ttlMs: 30_000, log, env });
    return { ...choice, env };
  };
  return { prefix, keys: gpuKeys(prefix), logs, log, choose };
}

test('auto: one GPU per worker while there are free ones, then the least shared; CUDA_VISIBLE_DEVICES is the UUID', async () => {
  const { keys, logs, choose } = setup();
  const a = await choose('w-a');
  const b = await choose('w-b');
  const c = await choose('w-c');
  const d = await choose('w-d');
  const leases = [a, b, c, d].map((x) => x.lease!);
  try {
    assert.deepEqual([a, b, c, d].map((x) => x.gpu?.uuid), [GPU0.uuid, GPU1.uuid, GPU0.uuid, GPU1.uuid]);
    assert.deepEqual([a, b, c, d].map((x) => x.env.CUDA_VISIBLE_DEVICES), [GPU0.uuid, GPU1.uuid, GPU0.uuid, GPU1.uuid]);
    assert.deepEqual(a.gpu, { index: 0, uuid: GPU0.uuid, name: GPU0.name });
    assert.deepEqual(leases.map((l) => l.role), ['leased', 'leased', 'shared', 'shared']);

    assert.equal(await redis.get(keys.lease(GPU0.uuid)), 'w-a');
    assert.equal(await redis.get(keys.lease(GPU1.uuid)), 'w-b');
    assert.deepEqual(await redis.zrange(keys.sharers(GPU0.uuid), 0, -1), ['w-c']);
    assert.deepEqual(await redis.zrange(keys.sharers(GPU1.uuid), 0, -1), ['w-d']);
    const pttl = await redis.pttl(keys.lease(GPU0.uuid));
    assert.ok(pttl > 0 && pttl <= 30_000, `the lease expires by itself (PTTL ${pttl})`);

    assert.deepEqual(logs.map((l) => [l.level, l.msg.split(':')[0]]), [
      [30, 'GPU 0 (NVIDIA Fake A100-SXM4-40GB) leased'],
      [30, 'GPU 1 (NVIDIA Fake A100-SXM4-40GB) leased'],
      [40, 'GPU 0 (NVIDIA Fake A100-SXM4-40GB) shared with 1 other worker(s)'],
      [40, 'GPU 1 (NVIDIA Fake A100-SXM4-40GB) shared with 1 other worker(s)'],
    ]);
    assert.match(logs[2]!.msg, /more workers than GPUs \(2\)/);

    // The holder of GPU 1 leaves: its lease and nothing else goes; the next worker takes GPU 1, which has one sharer
    // (w-d) against GPU 0's two users, so the count includes sharers, not just free leases.
    await leases[1]!.release();
    assert.equal(await redis.exists(keys.lease(GPU1.uuid)), 0);
    assert.deepEqual(await redis.zrange(keys.sharers(GPU1.uuid), 0, -1), ['w-d']);
    const e = await choose('w-e');
    leases.push(e.lease!);
    assert.deepEqual([e.gpu?.index, e.lease?.role], [1, 'leased']);
    assert.match(logs.at(-1)!.msg, /^GPU 1 .* shared with 1 other worker/, 'it says it shares the GPU all the same');

    // A sharer leaving leaves the sharer set only.
    await leases[2]!.release();
    assert.deepEqual(await redis.zrange(keys.sharers(GPU0.uuid), 0, -1), []);
    assert.equal(await redis.get(keys.lease(GPU0.uuid)), 'w-a');
  } finally {
    for (const l of leases) await l.release();
  }
});

test('a list claims among the listed GPUs only, by index or UUID; naming none that exist is an error', async () => {
  const { keys, logs, choose } = setup();
  const leases: GpuLease[] = [];
  try {
    const a = await choose('w-a', { mode: 'list', ids: ['1'] });
    const b = await choose('w-b', { mode: 'list', ids: [GPU1.uuid.toLowerCase()] });
    leases.push(a.lease!, b.lease!);
    assert.deepEqual([a.gpu?.index, a.lease?.role, b.gpu?.index, b.lease?.role], [1, 'leased', 1, 'shared']);
    assert.equal(await redis.exists(keys.lease(GPU0.uuid)), 0, 'GPU 0 was not listed, so it stays free');

    const c = await choose('w-c', { mode: 'list', ids: ['0', '7'] });
    leases.push(c.lease!);
    assert.equal(c.gpu?.index, 0);
    assert.ok(logs.some((l) => l.level === 40 && /GANFORGE_GPU lists 7, which nvidia-smi does not show/.test(l.msg)));

    await assert.rejects(choose('w-d', { mode: 'list', ids: ['5'] }), /GANFORGE_GPU=5: nvidia-smi shows none of them, only 0 \(GPU-1111/);
  } finally {
    for (const l of leases) await l.release();
  }
});

test('all, none, and backends without a GPU claim nothing; none hides the GPUs with CUDA_VISIBLE_DEVICES=-1', async () => {
  const { prefix, choose } = setup();
  const all = await choose('w-a', { mode: 'all' });
  assert.deepEqual([all.gpu, all.lease, all.env.CUDA_VISIBLE_DEVICES], [null, null, undefined]);
  const none = await choose('w-b', { mode: 'none' });
  assert.deepEqual([none.gpu, none.lease, none.env.CUDA_VISIBLE_DEVICES], [null, null, '-1']);
  for (const backend of ['wasm', 'cpu', 'tensorflow'] as const) {
    const c = await choose('w-c', { mode: 'auto' }, backend);
    assert.deepEqual([c.gpu, c.lease, c.env.CUDA_VISIBLE_DEVICES], [null, null, undefined], backend);
  }
  const gpu = await choose('w-d', { mode: 'auto' }, 'tensorflow-gpu');
  assert.equal(gpu.gpu?.index, 0);
  await gpu.lease!.release();
  assert.deepEqual(await redis.keys(`${prefix}:*`), []);
});

test('no nvidia-smi: no GPU claimed, the reason logged, CUDA_VISIBLE_DEVICES left alone', async () => {
  const { prefix, logs, log } = setup();
  const env: NodeJS.ProcessEnv = { PATH: '/nonexistent' };
  const choice = await chooseGpu({ setting: { mode: 'auto' }, backend: 'tensorflow-gpu', redis, prefix, workerId: 'w', ttlMs: 30_000, log, env });
  assert.deepEqual(choice, { gpu: null, lease: null });
  assert.equal(env.CUDA_VISIBLE_DEVICES, undefined);
  assert.deepEqual(logs.map((l) => [l.level, l.msg]), [[40, 'no GPU claimed: nvidia-smi not found (no NVIDIA driver, or a container without the utility driver capability)']]);
});

test('renewal extends only its own lease: one taken over stays the new holder\'s, a lapsed free one is taken back', async () => {
  const { keys, logs, log, prefix } = setup();
  const opts = { redis, prefix, workerId: 'w-a', ttlMs: 60_000, log };
  const lease = await GpuLease.claim(opts, [GPU0]);
  try {
    await redis.pexpire(keys.lease(GPU0.uuid), 1_000);
    await lease.renew();
    assert.ok((await redis.pttl(keys.lease(GPU0.uuid))) > 1_000, 'renewed to the full ttl');

    // Lapsed (a stall longer than the ttl) with nobody else there: taken back.
    await redis.del(keys.lease(GPU0.uuid));
    await lease.renew();
    assert.equal(await redis.get(keys.lease(GPU0.uuid)), 'w-a');
    assert.equal(lease.role, 'leased');

    // Lapsed and taken by another worker: left to it; this one now counts as a sharer, and says so.
    await redis.set(keys.lease(GPU0.uuid), 'w-b', 'PX', 5_000);
    await lease.renew();
    assert.equal(await redis.get(keys.lease(GPU0.uuid)), 'w-b');
    assert.ok((await redis.pttl(keys.lease(GPU0.uuid))) <= 5_000, "the other worker's expiry is untouched");
    assert.equal(lease.role, 'shared');
    assert.deepEqual(await redis.zrange(keys.sharers(GPU0.uuid), 0, -1), ['w-a']);
    assert.match(logs.at(-1)!.msg, /lease lapsed and was taken by w-b/);

    // Release is compare-and-delete: w-b's lease survives w-a leaving.
    await lease.release();
    assert.equal(await redis.get(keys.lease(GPU0.uuid)), 'w-b');
    assert.deepEqual(await redis.zrange(keys.sharers(GPU0.uuid), 0, -1), []);
  } finally {
    await lease.release();
  }
});
