// End to end as a user would: the real API and real worker processes on real Redis, driven over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { connect, cleanup, uniquePrefix } from '../helpers/redis.js';
import { freePort, startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { connect as sse } from '../helpers/sse.js';
import { NATIVE_LABEL_SOURCE } from '../helpers/native-label.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

const prefix = uniquePrefix('e2e');
const redis = connect();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-e2e-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, GANFORGE_BACKEND: 'wasm', PORT: String(port), HOST: '127.0.0.1' };
let api: Proc;
const workers: Proc[] = [];

before(async () => {
  api = startProcess('src/api/server.ts', env);
  workers.push(startProcess('src/worker/main.ts', env), startProcess('src/worker/main.ts', env));
  await api.waitFor(/Server listening/);
  await Promise.all(workers.map((w) => w.waitFor(/worker ready/)));
  await tf.setBackend('cpu');
});

after(async () => {
  await Promise.all([api, ...workers].map((p) => stopProcess(p)));
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function http(method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, text, json: type.includes('json') && text ? JSON.parse(text) : undefined };
}

const small = { iterations: 60, batchSize: 16, sampleInterval: 20, checkpointInterval: 20, seed: 4, dataset: 'mnist' };

/** Runs a command to its end; rejects with its output when it fails. */
function run(file: string, args: string[], opts: { input?: Buffer; env?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin!.end(opts.input);
  });
}

test('a job from POST to trained generator: SSE to the end, metrics, CSV, samples, tf.loadLayersModel over HTTP, resumed locally from a checkpoint archive', async () => {
  const created = await http('POST', '/jobs', { ...small, name: 'e2e' });
  assert.equal(created.status, 201);
  const id = created.json.id as string;
  assert.equal(created.headers.get('location'), `/jobs/${id}`);
  assert.equal(created.json.status, 'queued');

  const stream = await sse(base, `/jobs/${id}/events`);
  assert.equal(stream.status, 200);
  await stream.ended;
  const names = stream.events.map((e) => e.event);
  assert.equal(names.at(-1), 'status');
  assert.equal((stream.events.at(-1)!.data as { status: string }).status, 'completed');
  const streamed = stream.events.filter((e) => e.event === 'metrics').flatMap((e) => (e.data as { points: { iteration: number }[] }).points);
  assert.deepEqual(streamed.map((p) => p.iteration), Array.from({ length: 60 }, (_, i) => i + 1));
  assert.deepEqual(stream.events.filter((e) => e.event === 'sample').map((e) => (e.data as { iteration: number }).iteration), [20, 40, 60]);
  assert.ok(names.includes('progress') && names.includes('checkpoint'));

  // Reconnecting after the third event gives exactly the rest.
  const third = stream.events[2]!;
  const resumed = await sse(base, `/jobs/${id}/events`, { 'last-event-id': third.id });
  await resumed.ended;
  assert.deepEqual(resumed.events.map((e) => e.id), stream.events.slice(3).map((e) => e.id));

  const job = (await http('GET', `/jobs/${id}`)).json;
  assert.equal(job.status, 'completed');
  assert.deepEqual(job.progress.iteration, 60);
  assert.match(job.backend, new RegExp(`^(wasm|${NATIVE_LABEL_SOURCE})$`));
  assert.equal(job.dataset.name, 'mnist');
  assert.equal(job.spec.learningRate, 0.0002);
  assert.ok(job.latest && Number.isFinite(job.latest.dLoss));

  const all = (await http('GET', `/jobs/${id}/metrics`)).json;
  assert.equal(all.points.length, 60);
  assert.deepEqual(all.points.map((p: { dLoss: number }) => p.dLoss), streamed.map((p) => Math.fround((p as unknown as { dLoss: number }).dLoss)));
  const page = (await http('GET', `/jobs/${id}/metrics?since=10&limit=5`)).json;
  assert.deepEqual(page.points.map((p: { iteration: number }) => p.iteration), [11, 12, 13, 14, 15]);
  assert.equal(page.nextSince, 15);
  const coarse = (await http('GET', `/jobs/${id}/metrics?every=20`)).json;
  assert.deepEqual(coarse.points.map((p: { iteration: number }) => p.iteration), [20, 40, 60]);
  const mean = all.points.slice(0, 20).reduce((s: number, p: { gLoss: number }) => s + p.gLoss, 0) / 20;
  assert.ok(Math.abs(coarse.points[0].gLoss - mean) < 1e-6);
  const csv = await http('GET', `/jobs/${id}/metrics?format=csv`);
  assert.match(csv.headers.get('content-type')!, /^text\/csv/);
  const rows = csv.text.trim().split('\n');
  assert.equal(rows[0], 'iteration,dLoss,dAcc,gLoss');
  assert.equal(rows.length, 61);

  const samples = (await http('GET', `/jobs/${id}/samples`)).json.samples as { url: string; iteration: number }[];
  assert.equal(samples.length, 3);
  for (const s of samples) {
    const res = await fetch(`${base}${s.url}`);
    assert.equal(res.headers.get('content-type'), 'image/png');
    const png = PNG.sync.read(Buffer.from(await res.arrayBuffer()));
    assert.ok(png.width >= 140 && png.height === png.width);
  }

  const checkpoints = (await http('GET', `/jobs/${id}/checkpoints`)).json.checkpoints as { iteration: number; archive: string }[];
  assert.deepEqual(checkpoints.map((c) => c.iteration), [20, 40, 60]);
  const generator = await tf.loadLayersModel(`${base}/jobs/${id}/generator/model.json`);
  const image = tf.tidy(() => generator.predict(tf.randomNormal([1, 100])) as tf.Tensor);
  assert.deepEqual(image.shape, [1, 28, 28, 1]);
  const px = await image.data();
  assert.ok(px.every((v) => v >= -1 && v <= 1) && new Set(px).size > 10);
  image.dispose();
  generator.dispose();

  // Continue the job on "another machine" from its checkpoint at 20: `curl ARCHIVE | tar -x -C run`, then the resume
  // command job.json gives, run with the command-line trainer. Same seed, same backend: the same run, bit for bit.
  const archive = await fetch(`${base}${checkpoints[0]!.archive}`);
  assert.equal(archive.status, 200);
  assert.equal(archive.headers.get('content-disposition'), 'attachment; filename="e2e-20.tar"');
  const runDir = path.join(dataDir, 'resumed');
  await fs.mkdir(runDir);
  await run('tar', ['-x', '-C', runDir], { input: Buffer.from(await archive.arrayBuffer()) });
  const resume = JSON.parse(await fs.readFile(path.join(runDir, 'job.json'), 'utf8')).resume as string;
  assert.match(resume, /^npm run train -- --resume --out DIR .*--iterations 60 --batch-size 16 .*--seed 4 /);
  const args = resume.slice('npm run train -- '.length).split(' ').map((a) => (a === 'DIR' ? runDir : a));
  const trained = await run(process.execPath, ['--import', 'tsx', 'src/cli/train.ts', ...args], { env: { GANFORGE_BACKEND: 'wasm' } });
  assert.match(trained, /^resuming from .*checkpoints\/20 \(iteration 20\)/m);

  const [localHeader, ...localRows] = (await fs.readFile(path.join(runDir, 'metrics.csv'), 'utf8')).trimEnd().split('\n');
  assert.equal(localHeader, 'iteration,dLoss,dAcc,gLoss');
  const local = localRows.map((r) => r.split(',').map(Number)).map(([iteration, dLoss, dAcc, gLoss]) => ({ iteration, dLoss, dAcc, gLoss }));
  assert.deepEqual(local.map((p) => p.iteration), Array.from({ length: 60 }, (_, i) => i + 1));
  // The store keeps float32: the local run's own rows (21..60) are compared as float32, the archive's (1..20) as sent.
  const f32 = (p: { iteration: number; dLoss: number; dAcc: number; gLoss: number }) =>
    ({ iteration: p.iteration, dLoss: Math.fround(p.dLoss), dAcc: Math.fround(p.dAcc), gLoss: Math.fround(p.gLoss) });
  assert.deepEqual(local.slice(20).map(f32), all.points.slice(20));
  assert.deepEqual(local.slice(0, 20), all.points.slice(0, 20));
  const weights = new Uint8Array(await (await fetch(`${base}/jobs/${id}/generator/weights.bin?iteration=60`)).arrayBuffer());
  assert.deepEqual(new Uint8Array(await fs.readFile(path.join(runDir, 'checkpoints', '60', 'generator', 'weights.bin'))), weights);
});

test('two workers share the queue: every job runs exactly once and both workers train', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await http('POST', '/jobs', { ...small, iterations: 30, seed: i })).json.id);
  await waitUntil(async () => {
    const states = await Promise.all(ids.map(async (id) => (await http('GET', `/jobs/${id}`)).json.status));
    return states.every((s) => s === 'completed');
  }, 240_000, 'four jobs to complete');
  const starts = (w: Proc, id: string) => w.output().split('\n').filter((l) => l.includes(id) && l.includes('"msg":"training"')).length;
  for (const id of ids) assert.equal(starts(workers[0]!, id) + starts(workers[1]!, id), 1, `job ${id} ran once`);
  for (const w of workers) assert.ok(ids.some((id) => starts(w, id) === 1), 'each worker trained a job');
});

test('cancel while running and while queued; delete; the 409 cases', async () => {
  const long = { ...small, iterations: 100_000, sampleInterval: 10, checkpointInterval: 10 };
  const a = (await http('POST', '/jobs', { ...long, seed: 1 })).json.id as string;
  const b = (await http('POST', '/jobs', { ...long, seed: 2 })).json.id as string;
  // Both workers busy: a third job stays queued.
  await waitUntil(async () => {
    const s = await Promise.all([a, b].map(async (id) => (await http('GET', `/jobs/${id}`)).json));
    return s.every((j) => j.status === 'running' && j.progress.iteration >= 10);
  }, 120_000, 'two running jobs');
  const queued = (await http('POST', '/jobs', long)).json.id as string;
  const cq = await http('POST', `/jobs/${queued}/cancel`);
  assert.equal(cq.status, 202);
  assert.equal((await http('GET', `/jobs/${queued}`)).json.status, 'cancelled');
  assert.equal((await http('POST', `/jobs/${queued}/cancel`)).status, 409);

  assert.equal((await http('DELETE', `/jobs/${a}`)).status, 409);
  assert.equal((await http('POST', `/jobs/${a}/cancel`)).status, 202);
  assert.equal((await http('POST', `/jobs/${b}/cancel`)).status, 202);
  for (const id of [a, b]) {
    const ended = await waitUntil(async () => {
      const j = (await http('GET', `/jobs/${id}`)).json;
      return j.status === 'cancelled' && j;
    }, 60_000, 'cancelled');
    assert.ok(ended.progress.iteration < 100_000);
    assert.ok((await http('GET', `/jobs/${id}/samples`)).json.samples.length >= 1, 'samples are kept');
    assert.ok((await http('GET', `/jobs/${id}/checkpoints`)).json.checkpoints.length >= 1, 'checkpoints are kept');
  }
  // The queued job never started anywhere.
  assert.ok(workers.every((w) => !w.output().includes(queued)));

  const sampleUrl = (await http('GET', `/jobs/${a}/samples`)).json.samples[0].url as string;
  const del = await waitUntil(async () => {
    const r = await http('DELETE', `/jobs/${a}`);
    return r.status !== 409 && r;
  }, 30_000, 'delete');
  assert.equal(del.status, 204);
  assert.equal((await http('GET', `/jobs/${a}`)).status, 404);
  assert.equal((await http('GET', sampleUrl)).status, 404);
  assert.equal((await http('DELETE', `/jobs/${a}`)).status, 404);
  await fs.access(path.join(dataDir, 'jobs', a)).then(
    () => assert.fail('artifacts of a deleted job remain'),
    () => {},
  );
});

/** POST /jobs/:id/resume, retried while the worker that ended the job still holds its BullMQ job (409 "wound down"). */
async function resumeJob(id: string, body?: unknown) {
  return waitUntil(async () => {
    const r = await http('POST', `/jobs/${id}/resume`, body);
    if (r.status === 409 && /wound down/.test(r.json?.detail ?? '')) return false;
    return r;
  }, 30_000, `job ${id} to resume`);
}

const jobDone = (id: string, ms = 240_000) =>
  waitUntil(async () => {
    const j = (await http('GET', `/jobs/${id}`)).json;
    return ['completed', 'failed', 'cancelled'].includes(j.status) && j;
  }, ms, `job ${id} to end`);

test('resume: a completed 40-iteration job trained on to 60 is bit for bit an uninterrupted 60-iteration run; its events replay to the final status', async () => {
  const spec = { ...small, seed: 11 };
  const [a, ref] = await Promise.all([
    http('POST', '/jobs', { ...spec, iterations: 40, name: 'resumed' }).then((r) => r.json.id as string),
    http('POST', '/jobs', { ...spec, name: 'reference' }).then((r) => r.json.id as string),
  ]);
  const first = await jobDone(a);
  assert.equal(first.status, 'completed', first.error ?? '');
  assert.equal((await http('POST', `/jobs/${a}/resume`, { iterations: 40 })).status, 409, 'nothing to train');
  const resumed = await resumeJob(a, { iterations: 60 });
  assert.equal(resumed.status, 202, resumed.text);
  assert.equal(resumed.json.status, 'queued');
  assert.equal(resumed.json.progress.iteration, 40);
  assert.equal(resumed.json.progress.iterations, 60);
  const [done, reference] = await Promise.all([jobDone(a), jobDone(ref)]);
  assert.equal(done.status, 'completed', done.error ?? '');
  assert.equal(done.progress.iteration, 60);
  assert.equal(reference.status, 'completed', reference.error ?? '');

  const points = (await http('GET', `/jobs/${a}/metrics`)).json.points;
  assert.deepEqual(points.map((p: { iteration: number }) => p.iteration), Array.from({ length: 60 }, (_, i) => i + 1));
  assert.deepEqual(points, (await http('GET', `/jobs/${ref}/metrics`)).json.points, 'the same losses, bit for bit');
  // The losses only: `latest.quality` is when and how fast a checkpoint was scored, which differs between two runs.
  const losses = ({ quality: _, ...metrics }: { quality: unknown }) => metrics;
  assert.deepEqual(losses(done.latest), losses(reference.latest));
  const checkpoints = (await http('GET', `/jobs/${a}/checkpoints`)).json.checkpoints as { iteration: number }[];
  assert.deepEqual(checkpoints.map((c) => c.iteration), [20, 40, 60]);
  const weights = async (id: string) => new Uint8Array(await (await fetch(`${base}/jobs/${id}/generator/weights.bin`)).arrayBuffer());
  assert.deepEqual(await weights(a), await weights(ref));

  // A replay from the start goes past the first `completed` and ends, by itself, at the final one.
  const stream = await sse(base, `/jobs/${a}/events`);
  await stream.ended;
  const statuses = stream.events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status);
  assert.deepEqual(statuses, ['running', 'completed', 'queued', 'running', 'completed']);
  assert.equal(stream.events.at(-1)!.event, 'status');
  const streamed = stream.events.filter((e) => e.event === 'metrics').flatMap((e) => (e.data as { points: { iteration: number }[] }).points);
  assert.deepEqual(streamed.map((p) => p.iteration), Array.from({ length: 60 }, (_, i) => i + 1), 'each iteration streamed once');
  const progress = stream.events.filter((e) => e.event === 'progress').at(-1)!.data as { iteration: number; iterations: number };
  assert.deepEqual([progress.iteration, progress.iterations], [60, 60]);
  const after = await sse(base, `/jobs/${a}/events`, { 'last-event-id': stream.events.at(-1)!.id });
  assert.equal(after.status, 204);
  await after.ended;
});

test('resume: a job cancelled while running continues from its checkpoint and completes', async () => {
  const id = (await http('POST', '/jobs', { ...small, iterations: 100_000, sampleInterval: 10, checkpointInterval: 10, seed: 12 })).json.id as string;
  await waitUntil(async () => {
    const j = (await http('GET', `/jobs/${id}`)).json;
    return j.status === 'running' && j.progress.iteration >= 10;
  }, 120_000, 'the job to run');
  assert.equal((await http('POST', `/jobs/${id}/cancel`)).status, 202);
  const cancelled = await jobDone(id, 60_000);
  assert.equal(cancelled.status, 'cancelled');
  const target = cancelled.progress.iteration + 15;
  const resumed = await resumeJob(id, { iterations: target });
  assert.equal(resumed.status, 202, resumed.text);
  assert.equal(resumed.json.cancelRequested, false);
  const done = await jobDone(id);
  assert.equal(done.status, 'completed', done.error ?? '');
  assert.equal(done.progress.iteration, target);
  assert.equal(done.finishedAt !== null && done.startedAt !== null, true);
  const points = (await http('GET', `/jobs/${id}/metrics?limit=10000`)).json.points;
  assert.deepEqual(points.map((p: { iteration: number }) => p.iteration), Array.from({ length: target }, (_, i) => i + 1));
  const events = await sse(base, `/jobs/${id}/events`);
  await events.ended;
  const statuses = events.events.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status);
  assert.deepEqual(statuses, ['running', 'cancelled', 'queued', 'running', 'completed']);
  const streamed = events.events.filter((e) => e.event === 'metrics').flatMap((e) => (e.data as { points: { iteration: number }[] }).points);
  assert.deepEqual(streamed.map((p) => p.iteration), Array.from({ length: target }, (_, i) => i + 1), 'no iteration streamed twice');
});
