// Backend choice at start-up: each case runs in a fresh process, since a TensorFlow.js backend is process-wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { NATIVE_LABEL } from '../helpers/native-label.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function choose(preference: string): { name: string; provider: string; skipped: { backend: string; reason: string }[] } {
  const script = `import { initBackend } from './src/gan/backend.ts';
    const info = await initBackend(${JSON.stringify(preference)});
    process.stdout.write('\\n' + JSON.stringify(info));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function nativeAvailable(pkg: string): boolean {
  try {
    execFileSync(process.execPath, ['-e', `require.resolve(${JSON.stringify(pkg)})`], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('auto takes native TensorFlow when loadable, else WebAssembly, and says why it skipped the others', () => {
  const info = choose('auto');
  if (nativeAvailable('@tensorflow/tfjs-node-gpu') || nativeAvailable('@tensorflow/tfjs-node')) {
    assert.equal(info.name, 'tensorflow');
    return;
  }
  assert.equal(info.name, 'wasm');
  assert.equal(info.provider, '@tensorflow/tfjs-backend-wasm');
  assert.deepEqual(info.skipped.map((s) => s.backend), ['tensorflow-gpu', 'tensorflow']);
  for (const s of info.skipped) assert.match(s.reason, /Cannot find module '@tensorflow\/tfjs-node/);
});

test('a forced backend is used as is', () => {
  const info = choose('cpu');
  assert.equal(info.name, 'cpu');
  assert.deepEqual(info.skipped, []);
});

test('a forced backend that cannot load is an error naming it', () => {
  if (nativeAvailable('@tensorflow/tfjs-node-gpu')) return;
  assert.throws(() => choose('tensorflow-gpu'), /no TensorFlow.js backend could be loaded \(tensorflow-gpu: Cannot find module/);
});

test('wasm-plain is WebAssembly with our JS kernels only, labelled plain wasm', () => {
  const info = choose('wasm-plain');
  assert.equal(info.name, 'wasm');
  assert.equal((info as { label?: string }).label, 'wasm');
});

test('wasm takes the native kernels when built, and names them in the label; else says what is missing', () => {
  const info = choose('wasm') as ReturnType<typeof choose> & { label: string };
  const missing = info.skipped.find((s) => s.backend === 'wasm+native');
  if (missing) {
    assert.equal(info.label, 'wasm');
    assert.match(missing.reason, /apt-get install .*libopenblas/);
  } else {
    assert.equal(info.label, NATIVE_LABEL);
    assert.match(info.label, /^wasm\+(onednn|openblas)$/);
  }
});

test('GANFORGE_BLAS_THREADS is parsed once with the environment and sets the native kernels\' BLAS threads', async () => {
  const { loadEnv } = await import('../../src/config/env.js');
  assert.equal(loadEnv({}).GANFORGE_BLAS_THREADS, 1);
  assert.equal(loadEnv({ GANFORGE_BLAS_THREADS: '2', GANFORGE_BACKEND: 'wasm-plain' }).GANFORGE_BLAS_THREADS, 2);
  assert.throws(() => loadEnv({ GANFORGE_BLAS_THREADS: '0' }), /GANFORGE_BLAS_THREADS/);
  const script = `import { initBackend } from './src/gan/backend.ts';
    import { nativeAddon } from './src/gan/kernels/native/addon.ts';
    const info = await initBackend('wasm', { blasThreads: 2 });
    process.stdout.write('\\n' + JSON.stringify({ label: info.label, threads: nativeAddon()?.threads() ?? null }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const { label, threads } = JSON.parse(out.trim().split('\n').at(-1)!) as { label: string; threads: number | null };
  if (label === NATIVE_LABEL) assert.equal(threads, 2);
  else assert.equal(threads, null);
});
