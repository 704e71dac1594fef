// Training speed of the classic GAN on every loadable tfjs backend, next to the same model in PyTorch (bench/torch_gan.py).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/gan/backend.js';
import { GanTrainer } from '../src/gan/trainer.js';
import { trainConfig } from '../src/gan/train-config.js';
import type { Dataset } from '../src/gan/datasets/dataset.js';
import { installKernels, uninstallKernels } from '../src/gan/kernels/index.js';

const BENCH_BACKENDS = ['wasm', 'wasm-unfixed', 'cpu', 'tensorflow', 'pytorch'] as const;
type BenchBackend = (typeof BENCH_BACKENDS)[number];

const USAGE = `usage: npm run bench -- [options]
  --iterations N        timed iterations per tfjs backend (default 50)
  --warmup N            untimed iterations first (default 5)
  --cpu-iterations N    timed iterations for the plain-JS cpu backend, ~10 s each (default 3)
  --max-seconds S       stop a backend's timed loop after S seconds, its warm-up after S/4 (default 20)
  --torch-iterations N  timed iterations for PyTorch (default 100, after 10 warm-up)
  --backends LIST       comma-separated subset of ${BENCH_BACKENDS.join(',')} (default: all)`;

const BATCH_SIZE = 128;
const require = createRequire(import.meta.url);

interface Row {
  backend: string;
  iterations?: number;
  itPerSec?: number;
  note?: string;
}

function options() {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '5' },
      'cpu-iterations': { type: 'string', default: '3' },
      'max-seconds': { type: 'string', default: '20' },
      'torch-iterations': { type: 'string', default: '100' },
      backends: { type: 'string', default: BENCH_BACKENDS.join(',') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: keyof typeof values, min: number): number => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}\n${USAGE}`);
    return n;
  };
  const backends = String(values.backends).split(',').map((b) => b.trim()).filter(Boolean);
  for (const b of backends) {
    if (!(BENCH_BACKENDS as readonly string[]).includes(b)) throw new Error(`unknown backend "${b}"\n${USAGE}`);
  }
  return {
    iterations: Math.floor(count('iterations', 1)),
    warmup: Math.floor(count('warmup', 0)),
    cpuIterations: Math.floor(count('cpu-iterations', 1)),
    maxSeconds: count('max-seconds', 0.1),
    torchIterations: Math.floor(count('torch-iterations', 1)),
    backends: backends as BenchBackend[],
  };
}

/** 10,000 random 28x28x1 images in [-1, 1]: the speed of a step does not depend on what the pixels show. */
function randomDataset(count = 10_000): Dataset {
  const images = new Float32Array(count * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = Math.random() * 2 - 1;
  return { name: 'random', source: 'bench', count, height: 28, width: 28, channels: 1, images, labels: new Uint8Array(count) };
}

/** Activates a backend for the next measurement; returns the package that provides it. */
async function activate(backend: Exclude<BenchBackend, 'pytorch'>): Promise<string> {
  switch (backend) {
    case 'wasm':
    case 'wasm-unfixed':
      await initBackend('wasm'); // registers wasm and installs the fixes once; later calls are no-ops
      if (!(await tf.setBackend('wasm'))) throw new Error('setBackend(wasm) returned false');
      // 'wasm-unfixed' is tfjs-backend-wasm's own kernels: none of our matmul, tile and identity kernels.
      if (backend === 'wasm') installKernels('wasm');
      else uninstallKernels();
      return '@tensorflow/tfjs-backend-wasm';
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('setBackend(cpu) returned false');
      return '@tensorflow/tfjs (JS)';
    case 'tensorflow': {
      // Both native packages register the same 'tensorflow' backend, so at most one can load per process.
      const errors: string[] = [];
      for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        try {
          require(pkg);
          if (await tf.setBackend('tensorflow')) return pkg;
          errors.push(`${pkg}: setBackend returned false`);
        } catch (err) {
          const missing = (err as { code?: string }).code === 'MODULE_NOT_FOUND';
          errors.push(missing ? `${pkg} not installed` : `${pkg}: ${firstLine(err)}`);
        }
      }
      throw new Error(errors.join('; '));
    }
  }
}

/** Times trainer.step(): `warmup` untimed steps, then up to `iterations` timed ones within maxSeconds. */
async function measureTfjs(dataset: Dataset, warmup: number, iterations: number, maxSeconds: number): Promise<Row> {
  await tf.ready();
  const trainer = await GanTrainer.create({ config: trainConfig({ batchSize: BATCH_SIZE }), dataset });
  try {
    const warmStart = performance.now();
    for (let i = 0; i < Math.max(1, warmup) && performance.now() - warmStart < (maxSeconds * 1000) / 4; i++) trainer.step();
    const tensors = tf.memory().numTensors;
    const start = performance.now();
    let done = 0;
    while (done < iterations && (done < 2 || performance.now() - start < maxSeconds * 1000)) {
      trainer.step();
      done++;
    }
    const seconds = (performance.now() - start) / 1000;
    const leaked = tf.memory().numTensors - tensors;
    return {
      backend: tf.getBackend(),
      iterations: done,
      itPerSec: done / seconds,
      ...(leaked !== 0 ? { note: `${leaked} tensors leaked` } : {}),
    };
  } finally {
    trainer.dispose();
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

function findTorchPython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return undefined;
}

interface TorchResult {
  torch: string;
  threads: number;
  iterations: number;
  itPerSec: number;
  params: { generator: number; discriminator: number };
}

function runTorch(python: string, threads: number, iterations: number): TorchResult {
  const script = fileURLToPath(new URL('./torch_gan.py', import.meta.url));
  const args = [script, '--iterations', String(iterations), '--warmup', '10', '--threads', String(threads)];
  const run = spawnSync(python, args, { encoding: 'utf8', timeout: 600_000 });
  if (run.status !== 0) {
    const why = run.error ? String(run.error) : (run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`);
    throw new Error(`${python} torch_gan.py failed: ${why}`);
  }
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as TorchResult;
}

function printTable(rows: Row[], references: { label: string; itPerSec: number }[]): void {
  const header = ['backend', 'iterations', 'it/s', 'ms/it', ...references.map((r) => `vs ${r.label}`), 'note'];
  const body = rows.map((r) => [
    r.backend,
    r.iterations?.toString() ?? '-',
    r.itPerSec?.toFixed(2) ?? '-',
    r.itPerSec ? (1000 / r.itPerSec).toFixed(0) : '-',
    ...references.map((ref) => (r.itPerSec ? `${(r.itPerSec / ref.itPerSec).toFixed(2)}x` : '-')),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
}

async function main(): Promise<void> {
  const opts = options();
  const rows: Row[] = [];
  const machine: Record<string, string | number> = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    tfjs: tf.version.tfjs,
    batchSize: BATCH_SIZE,
  };
  // The machine may be shared: the load average says how much the numbers can be trusted.
  const loadAtStart = os.loadavg()[0]!.toFixed(2);
  const dataset = randomDataset();

  for (const backend of opts.backends) {
    if (backend === 'pytorch') continue;
    const label = backend === 'wasm' ? 'wasm (fixed)' : backend;
    let provider: string;
    try {
      provider = await activate(backend);
    } catch (err) {
      rows.push({ backend: label, note: `not loadable: ${firstLine(err)}` });
      continue;
    }
    if (backend === 'wasm') machine.wasmSimd = String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
    const slow = backend === 'cpu';
    const iterations = slow ? Math.min(opts.iterations, opts.cpuIterations) : opts.iterations;
    const warmup = slow ? Math.min(opts.warmup, 1) : opts.warmup;
    process.stderr.write(`measuring ${label} (${provider})...\n`);
    const row = await measureTfjs(dataset, warmup, iterations, opts.maxSeconds);
    rows.push({ ...row, backend: backend === 'tensorflow' ? `tensorflow (${provider})` : label });
  }

  const references: { label: string; itPerSec: number }[] = [];
  if (opts.backends.includes('pytorch')) {
    const python = findTorchPython();
    if (!python) {
      rows.push({ backend: 'pytorch', note: 'not loadable: no python3 with torch' });
    } else {
      const cpus = os.cpus().length;
      for (const threads of [...new Set([cpus, 1])]) {
        process.stderr.write(`measuring pytorch with ${threads} thread(s)...\n`);
        try {
          const r = runTorch(python, threads, opts.torchIterations);
          machine.torch = r.torch;
          machine.params = `G ${r.params.generator.toLocaleString('en')} / D ${r.params.discriminator.toLocaleString('en')}`;
          const label = `pytorch ${threads}t`;
          rows.push({ backend: label, iterations: r.iterations, itPerSec: r.itPerSec });
          references.push({ label, itPerSec: r.itPerSec });
        } catch (err) {
          rows.push({ backend: `pytorch ${threads}t`, note: firstLine(err) });
        }
      }
    }
  }
  const unfixed = rows.find((r) => r.backend === 'wasm-unfixed' && r.itPerSec);
  if (unfixed) references.push({ label: 'wasm-unfixed', itPerSec: unfixed.itPerSec! });

  machine['load1 start/end'] = `${loadAtStart}/${os.loadavg()[0]!.toFixed(2)}`;
  console.log(Object.entries(machine).map(([k, v]) => `${k}: ${v}`).join(', '));
  printTable(rows, references);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
