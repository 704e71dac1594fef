// Small things that keep the service tidy: printable names only, artifacts readable by their owner only, and no
// password in the launcher's log line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertProblem, body, startTestApp, type TestApp } from './test-app.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { maskPassword } from '../../src/launcher/mask-password.js';
import { printable } from '../../src/cli/client/job-format.js';

describe('names', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ GANFORGE_RATE_LIMIT_CREATE_MAX: '1000' });
  });
  after(() => t.close());

  test('control characters, bidirectional overrides and isolates, separators and lone surrogates are refused with 400', async () => {
    for (const name of ['a\u0000b', 'line\r\nbreak', 'tab\there', 'evil\u202egnp.exe', 'x\u2066y\u2069', 'a\u2028b', 'del\u007f', 'c1\u0085']) {
      const res = await t.app.inject({ method: 'POST', url: '/jobs', payload: { name } });
      assertProblem(res, 400, 'VALIDATION_FAILED');
      assert.equal(body(res).errors[0].path, 'body.name', JSON.stringify(name));
    }
    // A lone surrogate can only arrive escaped in the JSON text.
    for (const raw of ['{"name":"a\\ud800b"}', '{"name":"\\udc00"}']) {
      const res = await t.app.inject({ method: 'POST', url: '/jobs', headers: { 'content-type': 'application/json' }, payload: raw });
      assertProblem(res, 400, 'VALIDATION_FAILED');
    }
  });

  test('printable Unicode is kept as given (trimmed): accents, scripts, emoji, a surrogate pair', async () => {
    for (const name of ['Crème brûlée', 'شبكة توليدية', '生成モデル', 'art 🎨 v2', '  spaced  ']) {
      const res = await t.app.inject({ method: 'POST', url: '/jobs', payload: { name } });
      assert.equal(res.statusCode, 201, `${name}: ${res.body}`);
      assert.equal(body(res).name, name.trim());
    }
  });
});

test('the filesystem store writes artifacts 0600 in directories 0700', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'gf-modes-'));
  try {
    const store = new FsArtifactStore(root);
    await store.put('jobs/abc/samples/s.png', new Uint8Array([1, 2, 3]));
    assert.equal((await stat(path.join(root, 'jobs/abc/samples/s.png'))).mode & 0o777, 0o600);
    for (const dir of ['jobs', 'jobs/abc', 'jobs/abc/samples']) assert.equal((await stat(path.join(root, dir))).mode & 0o777, 0o700, dir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('URLs are logged without their password', () => {
  assert.equal(maskPassword('redis://:s3cret@redis.example:6379/0'), 'redis://:***@redis.example:6379/0');
  assert.equal(maskPassword('redis://user:s3cret@h:1'), 'redis://user:***@h:1');
  assert.equal(maskPassword('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
});

test('ganforge list and status show an old record\'s control and bidi characters as ?', () => {
  assert.equal(printable('a\u202eb\u001b[2Jc\r\nd é🎨'), 'a?b?[2Jc??d é🎨');
});
