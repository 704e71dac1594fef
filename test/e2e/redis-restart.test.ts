// Redis goes away mid-training and comes back: the API answers 503 meanwhile and recovers, workers carry on, no job lost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { freePort, startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-redis-restart-'));
const redisPort = await freePort();
const apiPort = await freePort();
const base = `http://127.0.0.1:${apiPort}`;
const env = {
  REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  GANFORGE_PREFIX: 'gft-restart',
  GANFORGE_DATA_DIR: path.join(dir, 'data'),
  GANFORGE_BACKEND: 'wasm',
  PORT: String(apiPort),
  HOST: '127.0.0.1',
};
let redis: ChildProcess | undefined;
const procs: Proc[] = [];

/** A redis-server of the test's own, with AOF fsynced on every write so that a SIGKILL loses nothing accepted. */
async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], {
    stdio: 'ignore',
  });
  await waitUntil(async () => {
    const r = spawn('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: 'pipe' });
    const out = await new Promise<string>((res) => {
      let s = '';
      r.stdout!.on('data', (d) => (s += d));
      r.on('exit', () => res(s));
    });
    return out.includes('PONG');
  }, 10_000, 'redis to answer');
}

after(async () => {
  await Promise.all(procs.map((p) => stopProcess(p, 'SIGKILL')));
  redis?.kill('SIGKILL');
  await fs.rm(dir, { recursive: true, force: true });
});

const api = async (method: string, url: string, body?: unknown) => {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, type: res.headers.get('content-type'), json: await res.json().catch(() => null) };
};

test('Redis killed and restarted: 503 problem+json while away, automatic recovery, every accepted job completes', async () => {
  await startRedis();
  const apiProc = startProcess('src/api/server.ts', env);
  const worker = startProcess('src/worker/main.ts', env);
  procs.push(apiProc, worker);
  await apiProc.waitFor(/Server listening/);
  await worker.waitFor(/worker ready/);

  const spec = { iterations: 150, batchSize: 16, sampleInterval: 50, checkpointInterval: 25, seed: 2 };
  const running = (await api('POST', '/jobs', spec)).json.id as string;
  const queued = (await api('POST', '/jobs', { ...spec, iterations: 40 })).json.id as string;
  await waitUntil(async () => (await api('GET', `/jobs/${running}`)).json.progress.iteration >= 30, 60_000, 'training');

  redis!.kill('SIGKILL');
  const downAt = Date.now();
  await waitUntil(async () => (await api('GET', '/readyz')).status === 503, 10_000, 'readyz 503');
  const ready = await api('GET', '/readyz');
  assert.match(ready.type!, /^application\/problem\+json/);
  const job = await api('GET', `/jobs/${running}`);
  assert.equal(job.status, 503);
  assert.match(job.type!, /^application\/problem\+json/);
  const post = await api('POST', '/jobs', spec);
  assert.equal(post.status, 503, 'a job that cannot be stored is not accepted');
  await new Promise((r) => setTimeout(r, 3000));

  await startRedis();
  await waitUntil(async () => (await api('GET', '/readyz')).status === 200, 30_000, 'readyz 200 again');
  const recoveredSeconds = (Date.now() - downAt) / 1000;

  for (const id of [running, queued]) {
    const done = await waitUntil(async () => {
      const j = (await api('GET', `/jobs/${id}`)).json;
      return ['completed', 'failed'].includes(j.status) && j;
    }, 180_000, `job ${id}`);
    assert.equal(done.status, 'completed', done.error ?? '');
    const metrics = (await api('GET', `/jobs/${id}/metrics?limit=10000`)).json.points as { iteration: number }[];
    assert.deepEqual(metrics.map((p) => p.iteration), Array.from({ length: done.spec.iterations }, (_, i) => i + 1));
  }
  const list = (await api('GET', '/jobs?limit=100')).json.jobs as { id: string }[];
  assert.deepEqual(new Set(list.map((j) => j.id)), new Set([running, queued]), 'no accepted job lost, none invented');
  console.log(`# Redis outage: API ready again ${recoveredSeconds.toFixed(1)} s after the kill (3 s of it Redis was down)`);
  assert.ok(apiProc.child.exitCode === null && worker.child.exitCode === null, 'API and worker stayed up');
});
