// The launcher as a user runs it: its own redis-server, the API and workers; a job trained; Ctrl-C leaves nothing running.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { freePort } from '../../src/launcher/free-port.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

async function launch(env: Record<string, string>): Promise<{ proc: Proc; dataDir: string; port: number }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-launcher-'));
  dirs.push(dataDir);
  const port = await freePort();
  // REDIS_URL empty counts as unset: the launcher starts a redis-server of its own.
  const proc = startProcess('src/launcher/start.ts', {
    REDIS_URL: '',
    GANFORGE_DATA_DIR: dataDir,
    PORT: String(port),
    GANFORGE_BACKEND: 'wasm',
    ...env,
  });
  return { proc, dataDir, port };
}

/** name -> pid of every child the launcher reported starting. */
function children(proc: Proc): Map<string, number> {
  return new Map([...proc.output().matchAll(/started (\S+) \(pid (\d+)\)/g)].map((m) => [m[1]!, Number(m[2])]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  assert.ok(res.ok, `${res.status}: ${JSON.stringify(body)}`);
  return body;
}

test('npm start: private Redis, API and a worker train a job; SIGINT stops everything and exits 0', async () => {
  const { proc, dataDir, port } = await launch({ GANFORGE_WORKERS: '1' });
  let code: number | null | undefined;
  try {
    const ready = await proc.waitFor(/ready: API at (\S+)/, 90_000);
    const base = `http://127.0.0.1:${port}`;
    assert.ok(ready.includes(`${base}/`), ready);
    // The walk-through runs open on loopback, and says so.
    await proc.waitFor(/authentication is off: no GANFORGE_ADMIN_TOKEN and no API keys/, 10_000);
    assert.deepEqual([...children(proc).keys()].sort(), ['api', 'redis', 'worker-1']);

    const created = await json(
      await fetch(`${base}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ iterations: 20, batchSize: 16, sampleInterval: 10, checkpointInterval: 10 }),
      }),
    );
    const job = await waitUntil(
      async () => {
        const j = await json(await fetch(`${base}/jobs/${created.id as string}`));
        return ['completed', 'failed', 'cancelled'].includes(j.status as string) && j;
      },
      180_000,
      'the job to finish',
    );
    assert.equal(job.status, 'completed', JSON.stringify(job));

    proc.child.kill('SIGINT');
    code = await proc.exited;
  } finally {
    if (code === undefined) await stopProcess(proc, 'SIGINT');
  }
  const out = proc.output();
  assert.equal(code, 0, out.slice(-3000));
  // Workers first, then the API, then Redis, each of its own accord.
  const order = ['worker-1 exited with code 0', 'api exited with code 0', 'redis exited with code 0'].map((l) => out.indexOf(l));
  assert.ok(order.every((i) => i > 0) && order[0]! < order[1]! && order[1]! < order[2]!, out.slice(-3000));
  for (const [name, pid] of children(proc)) assert.ok(!alive(pid), `${name} (pid ${pid}) is gone`);
  assert.ok(existsSync(path.join(dataDir, 'redis', 'appendonlydir')), 'Redis keeps its AOF under GANFORGE_DATA_DIR/redis');
});

test('a child that dies is reported, not restarted: everything stops and the launcher exits non-zero', async () => {
  const { proc } = await launch({ GANFORGE_WORKERS: '2' });
  let code: number | null | undefined;
  try {
    await proc.waitFor(/ready: API at/, 90_000);
    // The API can be ready before the workers have loaded their backend; worker-1 should stop of its own accord.
    await proc.waitFor(/\[worker-1\] .*"msg":"worker ready"/, 60_000);
    await proc.waitFor(/\[worker-2\] .*"msg":"worker ready"/, 60_000);
    const pids = children(proc);
    assert.deepEqual([...pids.keys()].sort(), ['api', 'redis', 'worker-1', 'worker-2']);
    process.kill(pids.get('worker-2')!, 'SIGKILL');
    code = await proc.exited;
  } finally {
    if (code === undefined) await stopProcess(proc, 'SIGINT');
  }
  const out = proc.output();
  assert.equal(code, 1, out.slice(-3000));
  assert.match(out, /worker-2 \(pid \d+\) killed by SIGKILL unexpectedly; stopping everything/);
  assert.match(out, /worker-1 exited with code 0/);
  for (const [name, pid] of children(proc)) assert.ok(!alive(pid), `${name} (pid ${pid}) is gone`);
});

test('without REDIS_URL and without redis-server it says what to install, in one line, and exits 1', async () => {
  const { proc } = await launch({ PATH: path.join(os.tmpdir(), 'gf-no-such-dir') });
  const code = await proc.exited;
  const lines = proc.output().trim().split('\n');
  assert.equal(code, 1);
  assert.equal(lines.length, 1, proc.output());
  assert.match(lines[0]!, /install Debian's redis-server .* or set REDIS_URL/);
});
