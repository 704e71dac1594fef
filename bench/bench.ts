// Training speed and peak memory of each model on each kernel provider / tfjs backend, next to the same model in PyTorch.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, type BackendPreference } from '../src/gan/backend.js';
import { uninstallKernels } from '../src/gan/kernels/index.js';
import { GanTrainer } from '../src/gan/trainer.js';
import { MODEL_NAMES, trainConfig, type ModelName } from '../src/gan/train-config.js';
import type { Dataset } from '../src/gan/datasets/dataset.js';
import { TRAINING_NODE_FLAGS } from '../src/worker/node-flags.js';
import { formatProfile, profileKernels, type KernelTime } from './kernel-profile.js';

/*
 * Each tfjs measurement runs in a child process of its own: a tfjs backend and its kernels are process-wide, and
 * the child's peak RSS is the memory a training worker on that backend needs. PyTorch runs bench/torch_<model>.py.
 */

/** Bench backends: the kernel providers of the wasm backend (src/gan/kernels/), tfjs' other backends, PyTorch. */
const TFJS_BACKENDS: Record<string, { preference: BackendPreference; blasThreads?: number; tfjsKernelsOnly?: boolean; about: string }> = {
  native: { preference: 'wasm', about: 'wasm + native kernels (oneDNN or OpenBLAS products), 1 BLAS thread: the default worker' },
  'native-2t': { preference: 'wasm', blasThreads: 2, about: 'the same with GANFORGE_BLAS_THREADS=2' },
  wasm: { preference: 'wasm-plain', about: 'wasm + our JS kernels (GANFORGE_BACKEND=wasm-plain)' },
  'wasm-unfixed': { preference: 'wasm-plain', tfjsKernelsOnly: true, about: "tfjs-backend-wasm's own kernels" },
  cpu: { preference: 'cpu', about: 'tfjs plain JS' },
  tensorflow: { preference: 'tensorflow', about: '@tensorflow/tfjs-node, when installed' },
};
const ALL_BACKENDS = [...Object.keys(TFJS_BACKENDS), 'pytorch'];
const DEFAULT_BACKENDS = ['native', 'native-2t', 'wasm', 'pytorch'];

const USAGE = `usage: npm run bench -- [options]
  --models LIST         comma-separated models of the registry (default gan; known: ${MODEL_NAMES.join(', ')})
  --backends LIST       comma-separated subset of ${ALL_BACKENDS.join(',')} (default ${DEFAULT_BACKENDS.join(',')})
  --iterations N        timed iterations per tfjs backend (default 50)
  --warmup N            untimed iterations first (default 5)
  --max-seconds S       stop a backend's timed loop after S seconds, its warm-up after S/4 (default 20)
  --torch-iterations N  timed iterations for PyTorch (default 100, after 10 warm-up)
  --rounds N            measure every backend N times, interleaved, and keep each one's best (default 3)
  --profile             also print time per kernel per iteration (first round) on the wasm providers
${Object.entries(TFJS_BACKENDS).map(([k, v]) => `    ${k.padEnd(13)} ${v.about}`).join('\n')}
    pytorch       bench/torch_<model>.py with 1 and 2 threads`;

const BATCH_SIZE = 128;
const PROFILE_ITERATIONS = 10;
const require = createRequire(import.meta.url);

interface Row {
  model: string;
  backend: string;
  iterations?: number;
  itPerSec?: number;
  /** Iterations per second of CPU time (all threads): what other processes on the machine cannot slow down. */
  itPerCpuSec?: number;
  peakRssMb?: number;
  note?: string;
}

/** What a child process reports. */
interface ChildResult {
  label: string;
  iterations: number;
  itPerSec: number;
  itPerCpuSec: number;
  peakRssMb: number;
  note?: string;
  profile?: KernelTime[];
}

function options() {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'gan' },
      backends: { type: 'string', default: DEFAULT_BACKENDS.join(',') },
      iterations: { type: 'string', default: '50' },
      warmup: { type: 'string', default: '5' },
      'max-seconds': { type: 'string', default: '20' },
      'torch-iterations': { type: 'string', default: '100' },
      rounds: { type: 'string', default: '3' },
      profile: { type: 'boolean', default: false },
      child: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: 'iterations' | 'warmup' | 'max-seconds' | 'torch-iterations' | 'rounds', min: number): number => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}\n${USAGE}`);
    return n;
  };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  const backends = list(values.backends);
  for (const b of backends) if (!ALL_BACKENDS.includes(b)) throw new Error(`unknown backend "${b}"\n${USAGE}`);
  const models = list(values.models);
  for (const m of models) if (!(MODEL_NAMES as readonly string[]).includes(m)) throw new Error(`unknown model "${m}"\n${USAGE}`);
  return {
    models: models as ModelName[],
    backends,
    iterations: Math.floor(count('iterations', 1)),
    warmup: Math.floor(count('warmup', 0)),
    maxSeconds: count('max-seconds', 0.1),
    torchIterations: Math.floor(count('torch-iterations', 1)),
    rounds: Math.floor(count('rounds', 1)),
    profile: values.profile,
    child: values.child,
  };
}

type Options = ReturnType<typeof options>;

/** 10,000 random 28x28x1 images in [-1, 1]: the speed of a step does not depend on what the pixels show. */
function randomDataset(count = 10_000): Dataset {
  const images = new Float32Array(count * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = Math.random() * 2 - 1;
  return { name: 'random', source: 'bench', count, height: 28, width: 28, channels: 1, images, labels: new Uint8Array(count) };
}

/** In the child: loads the backend, times trainer.step(), prints one JSON line. */
async function runChild(opts: Options, spec: string): Promise<void> {
  const [backend, model] = spec.split(':') as [string, ModelName];
  const setup = TFJS_BACKENDS[backend]!;
  if (setup.preference === 'tensorflow') require('@tensorflow/tfjs-node');
  const info = await initBackend(setup.preference, { blasThreads: setup.blasThreads ?? 1 });
  if (setup.tfjsKernelsOnly) uninstallKernels();
  const missing = info.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
  if (backend.startsWith('native') && info.label === 'wasm') throw new Error(missing);
  const slow = backend === 'cpu';
  const iterations = slow ? Math.min(opts.iterations, 3) : opts.iterations;
  const trainer = await GanTrainer.create({ config: trainConfig({ model, batchSize: BATCH_SIZE }), dataset: randomDataset() });
  const warmStart = performance.now();
  for (let i = 0; i < Math.max(1, slow ? 1 : opts.warmup) && performance.now() - warmStart < (opts.maxSeconds * 1000) / 4; i++) trainer.step();
  const tensors = tf.memory().numTensors;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let done = 0;
  while (done < iterations && (done < 2 || performance.now() - start < opts.maxSeconds * 1000)) {
    trainer.step();
    done++;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const leaked = tf.memory().numTensors - tensors;
  const profile = opts.profile && info.name === 'wasm' ? profileKernels('wasm', PROFILE_ITERATIONS, () => trainer.step()) : undefined;
  trainer.dispose();
  const result: ChildResult = {
    label: setup.tfjsKernelsOnly ? 'wasm (tfjs kernels only)' : info.label,
    iterations: done,
    itPerSec: done / seconds,
    itPerCpuSec: done / ((cpu.user + cpu.system) / 1e6),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ...(leaked !== 0 ? { note: `${leaked} tensors leaked` } : {}),
    ...(profile ? { profile } : {}),
  };
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

function runTfjs(opts: Options, backend: string, model: ModelName): ChildResult {
  const script = fileURLToPath(import.meta.url);
  const args = [...TRAINING_NODE_FLAGS, '--import', 'tsx', script, '--child', `${backend}:${model}`, '--iterations', String(opts.iterations), '--warmup', String(opts.warmup), '--max-seconds', String(opts.maxSeconds)];
  if (opts.profile) args.push('--profile');
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 900_000 });
  const last = run.stdout?.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !last.startsWith('{')) {
    throw new Error(run.error ? String(run.error) : (run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`));
  }
  return JSON.parse(last) as ChildResult;
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
  peakRssMb: number;
  cpuSeconds: number;
}

/** Runs bench/torch_<model>.py (same CLI for every model) and reads its peak RSS from the interpreter. */
function runTorch(python: string, model: ModelName, threads: number, iterations: number): TorchResult {
  const script = fileURLToPath(new URL(`./torch_${model}.py`, import.meta.url));
  if (!existsSync(script)) throw new Error(`no bench/torch_${model}.py`);
  const wrapper = [
    'import json, resource, runpy, sys',
    'sys.argv = sys.argv[1:]',
    'try:',
    "    runpy.run_path(sys.argv[0], run_name='__main__')",
    'finally:',
    '    r = resource.getrusage(resource.RUSAGE_SELF)',
    "    print(json.dumps({'maxRssKb': r.ru_maxrss, 'cpuSeconds': r.ru_utime + r.ru_stime}), file=sys.stderr)",
  ].join('\n');
  const args = ['-c', wrapper, script, '--iterations', String(iterations), '--warmup', '10', '--threads', String(threads), '--batch-size', String(BATCH_SIZE)];
  const run = spawnSync(python, args, { encoding: 'utf8', timeout: 900_000 });
  if (run.status !== 0) {
    const why = run.error ? String(run.error) : (run.stderr.trim().split('\n').at(-2) ?? `exit ${run.status}`);
    throw new Error(`${python} torch_${model}.py failed: ${why}`);
  }
  const usage = JSON.parse(run.stderr.trim().split('\n').at(-1)!) as { maxRssKb: number; cpuSeconds: number };
  return { ...(JSON.parse(run.stdout.trim().split('\n').at(-1)!) as TorchResult), peakRssMb: usage.maxRssKb / 1024, cpuSeconds: usage.cpuSeconds };
}

function printTable(rows: Row[], references: string[]): void {
  const cpuReference = 'pytorch 1t';
  const header = ['model', 'backend', 'iterations', 'it/s', 'ms/it', ...references.map((r) => `vs ${r}`), 'it/CPU-s', `vs ${cpuReference} (CPU)`, 'peak RSS MB', 'note'];
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
  const body = rows.map((r) => {
    const ref = (label: string) => rows.find((x) => x.model === r.model && x.backend === label);
    return [
      r.model, r.backend, r.iterations?.toString() ?? '-', r.itPerSec?.toFixed(2) ?? '-', r.itPerSec ? (1000 / r.itPerSec).toFixed(0) : '-',
      ...references.map((label) => ratio(r.itPerSec, ref(label)?.itPerSec)),
      r.itPerCpuSec?.toFixed(2) ?? '-', ratio(r.itPerCpuSec, ref(cpuReference)?.itPerCpuSec),
      r.peakRssMb?.toFixed(0) ?? '-', r.note ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.child) return runChild(opts, opts.child);
  const rows: Row[] = [];
  const profiles: string[] = [];
  const cpus = os.cpus().length;
  const machine: Record<string, string | number> = {
    cpus,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    tfjs: tf.version.tfjs,
    batchSize: BATCH_SIZE,
    OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? '-',
  };
  // The machine may be shared: the load average says how much the numbers can be trusted.
  const loadAtStart = os.loadavg()[0]!.toFixed(2);
  const python = opts.backends.includes('pytorch') ? findTorchPython() : undefined;

  /*
   * Rounds interleave the backends and keep each one's best: on a shared machine other processes slow some
   * measurements down, never speed them up, so the best of a few is the closest to the machine's own speed. Iterations
   * per CPU-second (process CPU time, all threads) hardly depend on the load at all: on a busy machine compare those.
   */
  const best = new Map<string, Row>();
  const keep = (row: Row) => {
    const key = `${row.model}/${row.backend}`;
    const old = best.get(key);
    const better = !old || (row.itPerSec ?? 0) > (old.itPerSec ?? 0);
    best.set(key, {
      ...(better ? row : old),
      itPerCpuSec: Math.max(row.itPerCpuSec ?? 0, old?.itPerCpuSec ?? 0) || undefined,
      peakRssMb: Math.max(row.peakRssMb ?? 0, old?.peakRssMb ?? 0) || undefined,
    });
  };
  for (let round = 1; round <= opts.rounds; round++) {
    for (const model of opts.models) {
      for (const backend of opts.backends.filter((b) => b !== 'pytorch')) {
        process.stderr.write(`round ${round}: ${model} on ${backend}...\n`);
        try {
          const r = runTfjs({ ...opts, profile: opts.profile && round === 1 }, backend, model);
          keep({ model, backend: `${backend} (${r.label})`, iterations: r.iterations, itPerSec: r.itPerSec, itPerCpuSec: r.itPerCpuSec, peakRssMb: r.peakRssMb, note: r.note });
          if (r.profile) profiles.push(formatProfile(`${model} on ${backend} (${r.label}), ${PROFILE_ITERATIONS} iterations`, r.profile));
        } catch (err) {
          keep({ model, backend, note: `not loadable: ${firstLine(err)}` });
        }
      }
      if (!opts.backends.includes('pytorch')) continue;
      if (!python) {
        keep({ model, backend: 'pytorch', note: 'not loadable: no python3 with torch' });
        continue;
      }
      for (const threads of [...new Set([1, Math.min(2, cpus)])]) {
        process.stderr.write(`round ${round}: ${model} on pytorch with ${threads} thread(s)...\n`);
        try {
          const r = runTorch(python, model, threads, opts.torchIterations);
          // CPU time of the timed iterations: the whole run's less that of a run with one iteration (start-up, warm-up).
          const base = runTorch(python, model, threads, 1);
          const itPerCpuSec = (r.iterations - 1) / Math.max(1e-6, r.cpuSeconds - base.cpuSeconds);
          machine.torch = r.torch;
          machine[`${model} params`] = `G ${r.params.generator.toLocaleString('en')} / D ${r.params.discriminator.toLocaleString('en')}`;
          keep({ model, backend: `pytorch ${threads}t`, iterations: r.iterations, itPerSec: r.itPerSec, itPerCpuSec, peakRssMb: r.peakRssMb });
        } catch (err) {
          keep({ model, backend: `pytorch ${threads}t`, note: firstLine(err) });
        }
      }
    }
  }
  rows.push(...best.values());
  machine.rounds = `${opts.rounds} (best of each)`;

  machine['load1 start/end'] = `${loadAtStart}/${os.loadavg()[0]!.toFixed(2)}`;
  console.log(Object.entries(machine).map(([k, v]) => `${k}: ${v}`).join(', '));
  printTable(rows, ['pytorch 1t', 'pytorch 2t'].filter((label) => rows.some((r) => r.backend === label && r.itPerSec)));
  for (const p of profiles) console.log(`\n${p}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
