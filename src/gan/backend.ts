// Chooses the TensorFlow.js backend once at start-up: native (GPU, then CPU) when loadable, else WebAssembly, else plain JS.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { backendLabel, configureNativeKernels, installKernels, nativeBlasThreads, type InstalledKernels } from './kernels/index.js';

import { BACKENDS, type BackendPreference } from '../contract/backends.js';

export { BACKENDS, type BackendPreference };

export interface BackendOptions {
  /** BLAS threads of the native kernels (default 1: one job per core). */
  blasThreads?: number;
}

export interface BackendInfo {
  /** The name tf.getBackend() reports ('tensorflow', 'wasm' or 'cpu'). */
  name: string;
  /** What jobs and GET /workers report: the name plus a native kernel provider, e.g. 'wasm+onednn' or 'wasm+openblas'. */
  label: string;
  /** Which package provided it, e.g. '@tensorflow/tfjs-node-gpu'. */
  provider: string;
  /** BLAS threads of the native kernels, when they are in use. */
  blasThreads?: number;
  /** Why the preferred backends before it were skipped. */
  skipped: { backend: string; reason: string }[];
}

const require = createRequire(import.meta.url);
let chosen: BackendInfo | undefined;

async function tryNative(pkg: string): Promise<boolean> {
  // tfjs-node registers the 'tensorflow' backend as a side effect of being loaded.
  require(pkg);
  return tf.setBackend('tensorflow');
}

let kernels: InstalledKernels | undefined;

async function tryWasm(only?: string[]): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'dist/');
  wasm.setWasmPaths(dist);
  const ok = await tf.setBackend('wasm');
  if (ok) kernels = installKernels('wasm', only ? { providers: only } : {});
  return ok;
}

const attempts: Record<(typeof BACKENDS)[number], { provider: string; load: () => Promise<boolean> }> = {
  'tensorflow-gpu': { provider: '@tensorflow/tfjs-node-gpu', load: () => tryNative('@tensorflow/tfjs-node-gpu') },
  tensorflow: { provider: '@tensorflow/tfjs-node', load: () => tryNative('@tensorflow/tfjs-node') },
  wasm: { provider: '@tensorflow/tfjs-backend-wasm', load: () => tryWasm() },
  'wasm-plain': { provider: '@tensorflow/tfjs-backend-wasm', load: () => tryWasm(['js']) },
  cpu: { provider: '@tensorflow/tfjs (JS)', load: () => tf.setBackend('cpu') },
};

/** The backend's name, plus the kernel providers other than our always-present JS kernels (see backendLabel). */
function labelOf(name: string): string {
  return kernels?.backendName === name ? backendLabel(name, kernels.providers) : name;
}

/**
 * Selects and initialises the backend. With 'auto' the first loadable of BACKENDS wins; a named preference is
 * forced (an error when it cannot load). Idempotent: later calls return the first choice.
 */
export async function initBackend(preference: BackendPreference = 'auto', options: BackendOptions = {}): Promise<BackendInfo> {
  if (chosen) return chosen;
  configureNativeKernels({ blasThreads: options.blasThreads ?? 1 });
  const order = preference === 'auto' ? BACKENDS.filter((b) => b !== 'wasm-plain') : [preference];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const attempt = attempts[name];
    try {
      if (await attempt.load()) {
        await tf.ready();
        const tfName = tf.getBackend();
        // A provider that cannot run here is reported like a skipped backend: with what is missing and the fix.
        for (const u of kernels?.unavailable ?? []) skipped.push({ backend: `${tfName}+${u.provider}`, reason: u.reason });
        const blasThreads = tfName === kernels?.backendName ? nativeBlasThreads() : undefined;
        chosen = { name: tfName, label: labelOf(tfName), provider: attempt.provider, ...(blasThreads ? { blasThreads } : {}), skipped };
        return chosen;
      }
      skipped.push({ backend: name, reason: 'setBackend returned false' });
    } catch (err) {
      skipped.push({ backend: name, reason: firstLine(err) });
    }
  }
  const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  throw new Error(`no TensorFlow.js backend could be loaded (${why})`);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}
