// The `ganforge` client end to end: real API and worker processes, the CLI run as a user would, exit codes checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cleanup, connect, uniquePrefix } from '../helpers/redis.js';
import { runGanforge, type CliRun } from '../helpers/ganforge-cli.js';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { parseTrainArgs } from '../../src/cli/train-args.js';
import { NATIVE_LABEL_SOURCE } from '../helpers/native-label.js';

const prefix = uniquePrefix('cli');
const redis = connect();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-cli-'));
const env = { GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, GANFORGE_BACKEND: 'wasm', HOST: '127.0.0.1', PORT: '0' };
let api: Proc;
let worker: Proc;
let apiUrl: string;

before(async () => {
  api = startProcess('src/api/server.ts', env);
  worker = startProcess('src/worker/main.ts', env);
  apiUrl = (await api.waitFor(/http:\/\/127\.0\.0\.1:\d+/)).trim();
  await worker.waitFor(/backend wasm/);
});

after(async () => {
  await Promise.all([stopProcess(api), stopProcess(worker)]);
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
});


/** Runs `ganforge ARGS` against the test API (GANFORGE_API), resolving when it exits. */
const ganforge = (args: string[], onStdout?: (all: string) => void): Promise<CliRun> =>
  runGanforge(args, { ...process.env, GANFORGE_API: apiUrl }, onStdout);

async function jobStatus(id: string): Promise<string> {
  const res = await fetch(`${apiUrl}/jobs/${id}`);
  return ((await res.json()) as { status: string }).status;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The completed job of the first test (60 iterations, checkpoints at 30 and 60). */
let smokeId: string;

test('submit, list, status, watch to completion (exit 0), then download every sample', async () => {
  const submitted = await ganforge([
    'submit',
    '--name', 'cli smoke',
    '--iterations', '60',
    '--batch-size', '16',
    '--sample-interval', '20',
    '--checkpoint-interval', '30',
    '--seed', '3',
  ]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  assert.match(id, UUID);
  smokeId = id;

  const listed = await ganforge(['list']);
  assert.equal(listed.code, 0, listed.stderr);
  const row = listed.stdout.split('\n').find((l) => l.startsWith(id));
  assert.ok(row, listed.stdout);
  assert.match(row, /cli smoke\s+(queued|running|completed)\s+\d+\/60/);
  const json = JSON.parse((await ganforge(['list', '--json', '--limit', '5'])).stdout) as { jobs: { id: string }[] };
  assert.ok(json.jobs.some((j) => j.id === id));

  const status = await ganforge(['status', id]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^name\s+cli smoke$/m);
  assert.match(status.stdout, /batchSize=16/);

  const watched = await ganforge(['watch', id]);
  assert.equal(watched.code, 0, watched.stdout + watched.stderr);
  const lines = watched.stdout.trim().split('\n');
  const from = Number(/iteration (\d+)\/60/.exec(lines[0]!)?.[1]);
  assert.ok(Number.isInteger(from), lines[0]);
  // A line for each sample written after the watch began, with a URL that serves it.
  const sampleLines = lines.filter((l) => l.startsWith('sample '));
  assert.deepEqual(
    sampleLines.map((l) => Number(/iteration (\d+)/.exec(l)![1])),
    [20, 40, 60].filter((i) => i > from),
  );
  for (const l of sampleLines) assert.equal((await fetch(/(http\S+\.png)/.exec(l)![1]!)).status, 200);
  assert.match(lines.at(-1)!, /^completed: iteration 60\/60 in \S+; D \d/);
  assert.equal(watched.stderr, '', 'no progress bar without a terminal');

  const out = path.join(dataDir, 'downloads');
  const downloaded = await ganforge(['samples', id, '--out', out]);
  assert.equal(downloaded.code, 0, downloaded.stderr);
  assert.match(downloaded.stdout, /^3 samples of cli smoke written to /);
  assert.deepEqual((await fs.readdir(out)).sort(), ['sample-20.png', 'sample-40.png', 'sample-60.png']);
  const png = await fs.readFile(path.join(out, 'sample-20.png'));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  // Watching a job that has already completed answers at once, with the same verdict.
  const again = await ganforge(['watch', id]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /completed: iteration 60\/60/);
});

test('checkpoint: a run directory the trainer resumes, the exact command to do so; refusals in one line', async () => {
  const id = smokeId;
  const job = (await (await fetch(`${apiUrl}/jobs/${id}`)).json()) as { spec: Record<string, unknown> };
  const dir = path.join(dataDir, 'resume here');
  const got = await ganforge(['checkpoint', id, '--iteration', '30', '--out', dir]);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stderr, '');
  const lines = got.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `checkpoint 30 of cli smoke (${id}) written to ${dir}:`);
  assert.match(lines[1]!, new RegExp(`^  ${dir}/checkpoints/30/  7 files, \\d+\\.\\d MiB$`));
  assert.deepEqual(lines.slice(2, 5), [
    `  ${dir}/job.json`,
    `  ${dir}/metrics.csv`,
    'continue the job with (raise --iterations to train past its end):',
  ]);
  // The backend as the trainer's --backend takes it: 'wasm' for the native kernels' label, 'wasm-plain' for our JS kernels only.
  assert.match(lines[6]!, new RegExp(`^\\(it trained on the (${NATIVE_LABEL_SOURCE} backend; add --backend wasm|wasm backend; add --backend wasm-plain) to continue it bit for bit\\)$`));

  // The command quotes DIR for the shell and carries the job's whole spec: parsed, it is the job's config.
  const command = lines[5]!.trim();
  assert.ok(command.startsWith(`npm run train -- --resume --out '${dir}' --model gan `), command);
  const flags = command.slice('npm run train -- '.length).replace(`'${dir}'`, 'DIR').split(' ');
  const { name: _name, keepCheckpoints: _keep, ...config } = job.spec;
  assert.deepEqual(parseTrainArgs(flags), { help: false, config, out: 'DIR', resume: true, backend: 'auto', logEvery: 100 });

  const files = await fs.readdir(path.join(dir, 'checkpoints', '30'), { recursive: true });
  assert.deepEqual(
    files.sort(),
    ['discriminator', 'discriminator/model.json', 'discriminator/weights.bin', 'generator', 'generator/model.json',
      'generator/weights.bin', 'optimizers.bin', 'optimizers.json', 'state.json'],
  );
  assert.equal(JSON.parse(await fs.readFile(path.join(dir, 'checkpoints', '30', 'state.json'), 'utf8')).iteration, 30);
  assert.deepEqual(await fs.readdir(path.join(dir, 'checkpoints')), ['30'], 'no staging leftovers');
  const csv = await (await fetch(`${apiUrl}/jobs/${id}/metrics?format=csv&limit=30`)).text();
  assert.equal(await fs.readFile(path.join(dir, 'metrics.csv'), 'utf8'), csv);
  assert.equal(csv.trimEnd().split('\n').length, 31);
  assert.equal(JSON.parse(await fs.readFile(path.join(dir, 'job.json'), 'utf8')).job.id, id);

  // Like the trainer, it will not put a second checkpoint into a run directory.
  const again = await ganforge(['checkpoint', id, '--out', dir]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `ganforge: ${dir} already holds a checkpoint (iteration 30); choose another --out\n`);

  const latest = await ganforge(['checkpoint', id, '--out', path.join(dataDir, 'latest')]);
  assert.equal(latest.code, 0, latest.stderr);
  assert.match(latest.stdout, /^checkpoint 60 of cli smoke/);
  assert.deepEqual(await fs.readdir(path.join(dataDir, 'latest', 'checkpoints')), ['60']);

  const missing = await ganforge(['checkpoint', id, '--iteration', '31', '--out', path.join(dataDir, 'none')]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `ganforge: job cli smoke (${id}) has no checkpoint at iteration 31; it has 30, 60\n`);
  const unknown = await ganforge(['checkpoint', '3f1c3e4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b', '--out', path.join(dataDir, 'none')]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^ganforge: 404 Not Found: .*3f1c3e4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b.*\n$/);
});

test('cancel a running job: its watch exits 1; delete refuses while it runs, then deletes it', async () => {
  const submitted = await ganforge(['submit', '--iterations', '100000', '--batch-size', '16', '--name', 'to cancel']);
  assert.equal(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  await waitUntil(async () => (await jobStatus(id)) === 'running', 60_000, 'the job to run');

  let watching!: () => void;
  const started = new Promise<void>((resolve) => (watching = resolve));
  const watch = ganforge(['watch', id], (all) => all.includes('watching') && watching());
  await started;

  const refused = await ganforge(['delete', id]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^ganforge: 409 Conflict: .+\n$/);

  const cancelled = await ganforge(['cancel', id]);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  assert.match(cancelled.stdout, new RegExp(`(cancel requested for|cancelled) ${id}`));

  const watched = await watch;
  assert.equal(watched.code, 1, watched.stdout + watched.stderr);
  assert.match(watched.stdout, /^cancelled at iteration \d+\/100000$/m);
  assert.equal(await jobStatus(id), 'cancelled');

  // Resumed to a few iterations past where it stopped (from its start: it never reached a checkpoint), it completes.
  const done = ((await (await fetch(`${apiUrl}/jobs/${id}`)).json()) as { progress: { iteration: number } }).progress.iteration;
  const target = done + 10;
  const resumed = await waitUntil(async () => {
    const run = await ganforge(['resume', id, '--iterations', String(target)]);
    // 409 for a moment while the worker that cancelled it still holds its queue entry.
    return !/wound down/.test(run.stderr) && run;
  }, 30_000, 'the resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.stdout, `resumed ${id}: queued, from iteration ${done} to ${target}\n`);
  const again = await ganforge(['resume', id]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^ganforge: 409 Conflict: .*(queued|running).*\n$/);
  const rewatched = await ganforge(['watch', id]);
  assert.equal(rewatched.code, 0, rewatched.stdout + rewatched.stderr);
  assert.match(rewatched.stdout, new RegExp(`^completed: iteration ${target}/${target}`, 'm'));
  const nothing = await ganforge(['resume', id, '--iterations', String(target)]);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /^ganforge: 409 Conflict: .*nothing to train.*\n$/);
  const tooMany = await ganforge(['resume', id, '--iterations', '2000000']);
  assert.equal(tooMany.code, 1);
  assert.match(tooMany.stderr, /^ganforge: 400 Bad Request: --iterations: .*\n$/);

  const deleted = await ganforge(['delete', id]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout, `deleted ${id}\n`);
  const gone = await ganforge(['status', id]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /^ganforge: 404 Not Found: .+\n$/);
});

test('API errors are one line and exit 1; bad usage is one line and exits 2; never a stack trace', async () => {
  const invalid = await ganforge(['submit', '--batch-size', '5000']);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^ganforge: 400 Bad Request: --batch-size: .*1024.*\n$/);

  const missing = await ganforge(['status', '3f1c3e4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^ganforge: 404 Not Found: .*3f1c3e4a-5b6d-4e7f-8a9b-0c1d2e3f4a5b.*\n$/);

  const closedPort = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const unreachable = await ganforge(['--api', `http://127.0.0.1:${closedPort}`, 'list']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^ganforge: cannot reach the API at http:\/\/127\.0\.0\.1:\d+\/ \(ECONNREFUSED\)/);

  for (const args of [[], ['frobnicate'], ['status'], ['samples', 'x'], ['checkpoint', 'x'], ['checkpoint', 'x', '--out', 'd', '--iteration', '1.5'], ['submit', '--iterations', 'many'], ['resume'], ['resume', 'x', '--iterations', '1.5'], ['resume', 'x', '--batch-size', '4'], ['list', '--wat'], ['--api', 'nowhere', 'list']]) {
    const run = await ganforge(args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.equal(run.stderr.split('\n').length, 2, `one line for ${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^ganforge: /);
  }
  for (const run of [invalid, missing, unreachable]) assert.doesNotMatch(run.stderr, /\n\s+at /);

  const help = await ganforge(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--checkpoint-interval N/);
});

test('a cgan job trained by the worker; generate writes the grid of a chosen digit, refusals in one line', async () => {
  const submitted = await ganforge(['submit', '--model', 'cgan', '--iterations', '3', '--batch-size', '8', '--checkpoint-interval', '3', '--seed', '2']);
  assert.equal(submitted.code, 0, submitted.stderr);
  const id = submitted.stdout.trim();
  const watched = await ganforge(['watch', id]);
  assert.equal(watched.code, 0, watched.stdout + watched.stderr);
  assert.match(watched.stdout, /D .*acc .*G /);

  const file = path.join(dataDir, 'seven.png');
  const made = await ganforge(['generate', id, '--label', '7', '--n', '4', '--seed', '1', '--out', file]);
  assert.equal(made.code, 0, made.stderr);
  const png = await fs.readFile(file);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);

  const out = await ganforge(['generate', id, '--label', '10', '--out', file]);
  assert.equal(out.code, 1);
  assert.equal(out.stderr.trim().split('\n').length, 1, out.stderr);
  assert.match(out.stderr, /--label/);
  const stray = await ganforge(['submit', '--model', 'cgan', '--clip-value', '0.1']);
  assert.equal(stray.code, 1);
  assert.match(stray.stderr, /--clip-value/);
});
