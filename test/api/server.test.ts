// The API process: a bad environment stops it with one line naming the variable; SIGTERM closes it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { REDIS_URL, deleteKeys } from './test-app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', REDIS_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { child, out: () => stdout, err: () => stderr };
}

test('a bad variable stops the API with one line naming it', async () => {
  const p = start({ PORT: 'http' });
  const [code] = await once(p.child, 'exit');
  assert.equal(code, 1);
  const lines = p.err().trim().split('\n');
  assert.equal(lines.length, 1, p.err());
  assert.match(lines[0]!, /PORT/);
});

test('the API listens, answers, and exits 0 on SIGTERM', async () => {
  const prefix = `t-${randomUUID()}`;
  const p = start({ PORT: '0', HOST: '127.0.0.1', GANFORGE_PREFIX: prefix, LOG_LEVEL: 'info' });
  try {
    let url: string | undefined;
    for (let i = 0; i < 200 && !url; i++) {
      url = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(p.out())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(url, `no listening line in: ${p.out()}${p.err()}`);
    const res = await fetch(`${url}/readyz`, { headers: { 'x-request-id': 'server-test' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'server-test');
    p.child.kill('SIGTERM');
    const [code] = await once(p.child, 'exit');
    assert.equal(code, 0);
    assert.match(p.out(), /"reqId":"server-test"/, 'logs carry the request id');
  } finally {
    p.child.kill('SIGKILL');
    await deleteKeys(prefix);
  }
});

test('off loopback without GANFORGE_ADMIN_TOKEN or keys, the API refuses to start and names the variable', async () => {
  const prefix = `t-${randomUUID()}`;
  const p = start({ PORT: '0', HOST: '0.0.0.0', GANFORGE_PREFIX: prefix });
  try {
    const [code] = await once(p.child, 'exit');
    assert.equal(code, 1);
    assert.match(p.err(), /refusing to listen on 0\.0\.0\.0 without authentication: set GANFORGE_ADMIN_TOKEN/);
  } finally {
    p.child.kill('SIGKILL');
    await deleteKeys(prefix);
  }
});

test('on loopback without credentials the API runs open and says so; with GANFORGE_ADMIN_TOKEN it starts anywhere', async () => {
  const prefix = `t-${randomUUID()}`;
  const open = start({ PORT: '0', HOST: '127.0.0.1', GANFORGE_PREFIX: prefix });
  const closed = start({ PORT: '0', HOST: '0.0.0.0', GANFORGE_PREFIX: prefix, GANFORGE_ADMIN_TOKEN: 'a'.repeat(40) });
  try {
    for (const p of [open, closed]) {
      for (let i = 0; i < 200 && !/Server listening/.test(p.out()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(p.out(), /Server listening/, p.err());
    }
    assert.match(open.out(), /authentication is off \(no GANFORGE_ADMIN_TOKEN and no API keys\)/);
    assert.doesNotMatch(closed.out(), /authentication is off/);
  } finally {
    open.child.kill('SIGKILL');
    closed.child.kill('SIGKILL');
    await deleteKeys(prefix);
  }
});
