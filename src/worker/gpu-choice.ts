// Picks the worker's GPU before TensorFlow loads (GANFORGE_GPU) and points CUDA_VISIBLE_DEVICES at it alone.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { GpuSetting } from '../config/env.js';
import type { BackendPreference } from '../gan/backend.js';
import type { WorkerGpu } from '../jobs/worker-registry.js';
import { GpuLease } from './gpu-lease.js';
import { listGpus, type GpuDevice } from './nvidia-smi.js';

export interface GpuChoiceOptions {
  setting: GpuSetting;
  backend: BackendPreference;
  redis: Redis;
  prefix: string;
  workerId: string;
  ttlMs: number;
  log: Logger;
  /** The environment TensorFlow will read: process.env (setting it there reaches the native library's getenv). */
  env?: NodeJS.ProcessEnv;
}

export interface GpuChoice {
  /** What the heartbeat publishes; null when the worker claimed no GPU. */
  gpu: WorkerGpu | null;
  lease: GpuLease | null;
}

const NONE: GpuChoice = { gpu: null, lease: null };

/** Only tfjs-node-gpu uses a GPU; 'auto' tries it first. */
export function mayUseGpu(backend: BackendPreference): boolean {
  return backend === 'auto' || backend === 'tensorflow-gpu';
}

/**
 * Chooses and claims a GPU as GANFORGE_GPU says and sets CUDA_VISIBLE_DEVICES to its UUID, which CUDA accepts and
 * which, unlike an index, means the same device whatever CUDA_DEVICE_ORDER is. Must run before the backend loads.
 * Throws only when GANFORGE_GPU lists GPUs of which nvidia-smi shows none.
 */
export async function chooseGpu(opts: GpuChoiceOptions): Promise<GpuChoice> {
  const { setting, log } = opts;
  const env = opts.env ?? process.env;
  if (!mayUseGpu(opts.backend)) return NONE;
  if (setting.mode === 'all') {
    log.info({ cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES ?? null }, 'GANFORGE_GPU=all: every GPU visible, none claimed');
    return NONE;
  }
  if (setting.mode === 'none') {
    // CUDA shows the devices listed before the first invalid one: none. TensorFlow then finds no GPU
    // (cuInit: CUDA_ERROR_NO_DEVICE) and runs on the CPU; tfjs-node-gpu still loads, so the backend stays 'tensorflow'.
    env.CUDA_VISIBLE_DEVICES = '-1';
    log.info({ cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES }, 'GANFORGE_GPU=none: GPUs hidden, TensorFlow runs on the CPU');
    return NONE;
  }

  const { gpus, reason } = await listGpus(env);
  if (gpus.length === 0) {
    const level = opts.backend === 'tensorflow-gpu' ? 'warn' : 'info';
    log[level]({ reason, cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES ?? null }, `no GPU claimed: ${reason}`);
    return NONE;
  }
  const candidates = setting.mode === 'list' ? pick(gpus, setting.ids, log) : gpus;
  const lease = await GpuLease.claim(opts, candidates);
  const { index, uuid, name, memoryMiB } = lease.gpu;
  const previous = env.CUDA_VISIBLE_DEVICES;
  env.CUDA_VISIBLE_DEVICES = uuid;
  const fields = { gpu: { index, uuid, name, memoryMiB }, cudaVisibleDevices: env.CUDA_VISIBLE_DEVICES, ...(previous !== undefined && { previous }) };
  if (lease.role === 'leased' && lease.othersAtClaim === 0) {
    log.info(fields, `GPU ${index} (${name}) leased: CUDA_VISIBLE_DEVICES=${uuid}`);
  } else {
    log.warn(
      { ...fields, sharedWith: lease.othersAtClaim },
      `GPU ${index} (${name}) shared with ${lease.othersAtClaim} other worker(s): more workers than GPUs ` +
        `(${candidates.length}); each trains slower. CUDA_VISIBLE_DEVICES=${uuid}`,
    );
  }
  return { gpu: { index, uuid, name }, lease };
}

/** The listed GPUs among `gpus`, in index order; an id nvidia-smi does not show is logged, none at all is an error. */
function pick(gpus: GpuDevice[], ids: string[], log: Logger): GpuDevice[] {
  const matches = (g: GpuDevice, id: string) => (/^\d+$/.test(id) ? g.index === Number(id) : g.uuid.toLowerCase() === id.toLowerCase());
  const unknown = ids.filter((id) => !gpus.some((g) => matches(g, id)));
  const shown = gpus.map((g) => `${g.index} (${g.uuid})`).join(', ');
  const chosen = gpus.filter((g) => ids.some((id) => matches(g, id)));
  if (chosen.length === 0) throw new Error(`GANFORGE_GPU=${ids.join(',')}: nvidia-smi shows none of them, only ${shown}`);
  if (unknown.length > 0) log.warn({ unknown, shown }, `GANFORGE_GPU lists ${unknown.join(', ')}, which nvidia-smi does not show`);
  return chosen;
}
