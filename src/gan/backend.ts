// Chooses the TensorFlow.js backend once at start-up: native (GPU, then CPU) when loadable, else WebAssembly, else plain JS.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { installWasmIdentityFix } from './wasm-identity-fix.js';
import { installWasmMatMulFix } from './wasm-matmul-fix.js';
import { installWasmTileFix } from './wasm-tile-fix.js';

import { BACKENDS, type BackendPreference } from '../contract/backends.js';

export { BACKENDS, type BackendPreference };

export interface BackendInfo {
  /** The name tf.getBackend() reports ('tensorflow', 'wasm' or 'cpu'). */
  name: string;
  /** Which package provided it, e.g. '@tensorflow/tfjs-node-gpu'. */
  provider: string;
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

async function tryWasm(): Promise<boolean> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'dist/');
  wasm.setWasmPaths(dist);
  const ok = await tf.setBackend('wasm');
  if (ok) {
    installWasmMatMulFix();
    installWasmTileFix();
    installWasmIdentityFix();
  }
  return ok;
}

const attempts: Record<(typeof BACKENDS)[number], { provider: string; load: () => Promise<boolean> }> = {
  'tensorflow-gpu': { provider: '@tensorflow/tfjs-node-gpu', load: () => tryNative('@tensorflow/tfjs-node-gpu') },
  tensorflow: { provider: '@tensorflow/tfjs-node', load: () => tryNative('@tensorflow/tfjs-node') },
  wasm: { provider: '@tensorflow/tfjs-backend-wasm', load: tryWasm },
  cpu: { provider: '@tensorflow/tfjs (JS)', load: () => tf.setBackend('cpu') },
};

/**
 * Selects and initialises the backend. With 'auto' the first loadable of BACKENDS wins; a named preference is
 * forced (an error when it cannot load). Idempotent: later calls return the first choice.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (chosen) return chosen;
  const order = preference === 'auto' ? [...BACKENDS] : [preference];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const attempt = attempts[name];
    try {
      if (await attempt.load()) {
        await tf.ready();
        chosen = { name: tf.getBackend(), provider: attempt.provider, skipped };
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
