// `ganforge datasets ...` end to end: real API and worker processes, a directory packed on the fly and uploaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanup, connect, uniquePrefix } from '../helpers/redis.js';
import { runGanforge, type CliRun } from '../helpers/ganforge-cli.js';
import { startProcess, stopProcess, type Proc } from '../helpers/processes.js';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { buildTestApp } from '../api/test-app.js';
import { fashionSlice, idxFile, makeTar, makeZip, solidPng } from '../helpers/archives.js';

const prefix = uniquePrefix('cli-datasets');
const redis = connect();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-cli-ds-'));
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'gf-cli-ds-work-'));
const env = { GANFORGE_PREFIX: prefix, GANFORGE_DATA_DIR: dataDir, GANFORGE_BACKEND: 'wasm', HOST: '127.0.0.1', PORT: '0' };
let api: Proc;
let worker: Proc;
let apiUrl: string;

before(async () => {
  api = startProcess('src/api/server.ts', env);
  worker = startProcess('src/worker/main.ts', env);
  apiUrl = (await api.waitFor(/http:\/\/127\.0\.0\.1:\d+/)).trim();
  await worker.waitFor(/worker ready/);
});

after(async () => {
  await Promise.all([stopProcess(api), stopProcess(worker)]);
  await cleanup(redis, prefix);
  redis.disconnect();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(work, { recursive: true, force: true });
});

const ganforge = (args: string[]): Promise<CliRun> => runGanforge(args, { ...process.env, GANFORGE_API: apiUrl });

test('upload a directory (packed on the fly), show, list, delete', async () => {
  const dir = path.join(work, 'shapes');
  for (const [cls, rgb] of [['circles', [250, 0, 0]], ['squares', [0, 0, 250]]] as const) {
    await fs.mkdir(path.join(dir, cls), { recursive: true });
    for (let i = 0; i < 3; i++) await fs.writeFile(path.join(dir, cls, `${i}.png`), await solidPng(40, 40, [...rgb]));
  }
  await fs.writeFile(path.join(dir, 'circles', 'notes.txt'), 'not an image');
  // A symbolic link is not followed: /etc/passwd never leaves this machine.
  await fs.symlink('/etc/passwd', path.join(dir, 'squares', 'passwd.png'));

  const up = await ganforge(['datasets', 'upload', dir, '--name', 'shapes', '--size', '32', '--channels', '3']);
  assert.equal(up.code, 0, up.stderr);
  const id = up.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  const tarBytes = Number(/^packing 7 files from .* \(a tar of about (\d+) bytes\)$/m.exec(up.stderr)?.[1]);
  // Not a terminal: progress comes as lines, a tenth at a time, with no bar drawing in them.
  assert.ok(!up.stderr.includes('\r') && !up.stderr.includes('\u001b'), 'no carriage returns or escape sequences');
  assert.match(up.stderr, /^upload 0% 0 B of \S+ \S+$/m);
  assert.match(up.stderr, /^upload 100% (\S+ \S+) of \1$/m);
  assert.match(up.stderr, new RegExp(`^uploaded \\S+ \\S+; dataset ${id} processing$`, 'm'));
  assert.match(up.stderr, /^processing 100% 7\/7 images$/m);
  assert.match(up.stderr, /^skipped circles\/notes\.txt: not a PNG, JPEG or WebP image/m);
  const lines = up.stderr.trim().split('\n');
  assert.equal(lines.at(-1), `dataset ${id} ready: 6 images, 32x32x3, 2 classes (circles 3, squares 3), 1 file skipped`);
  for (const line of lines) assert.match(line, /^(packing|upload|uploaded|processing|skipped|dataset) /);

  const show = await ganforge(['datasets', 'show', id, '--json']);
  assert.equal(show.code, 0, show.stderr);
  const d = JSON.parse(show.stdout);
  assert.deepEqual([d.count, d.shape, d.skippedCount, d.progress], [6, [32, 32, 3], 1, { done: 7, total: 7 }]);
  assert.equal(d.uploadBytes, tarBytes, 'the tar size announced is the size sent');

  const list = await ganforge(['datasets', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^ID\s+STATUS\s+SHAPE/);
  assert.match(list.stdout, /fashion-mnist\s+built-in\s+28x28x1/);
  assert.match(list.stdout, new RegExp(`${id}\\s+ready\\s+32x32x3\\s+6\\s+2\\s+shapes`));

  const del = await ganforge(['datasets', 'delete', id]);
  assert.equal(del.code, 0, del.stderr);
  const gone = await ganforge(['datasets', 'show', id]);
  assert.notEqual(gone.code, 0);
  assert.match(gone.stderr, /404 Not Found: no dataset/);
});

test('an archive of IDX files uploads with --json: the dataset on stdout, progress to the total', async () => {
  const { images, labels } = fashionSlice(300);
  const tgz = path.join(work, 'fashion.tgz');
  await fs.writeFile(
    tgz,
    await makeTar([
      { name: 't10k-images-idx3-ubyte.gz', data: gzipSync(idxFile([300, 28, 28], images)) },
      { name: 't10k-labels-idx1-ubyte.gz', data: gzipSync(idxFile([300], labels)) },
    ], true),
  );
  const up = await ganforge(['datasets', 'upload', tgz, '--name', 'fashion', '--json']);
  assert.equal(up.code, 0, up.stderr);
  const d = JSON.parse(up.stdout);
  assert.deepEqual([d.status, d.count, d.shape, d.progress], ['ready', 300, [28, 28, 1], { done: 300, total: 300 }]);
  assert.deepEqual(d.classes.map((c: { name: string }) => c.name), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.match(up.stderr, /^upload 100% (\S+ \S+) of \1$/m);
  assert.match(up.stderr, /^processing 100% 300\/300 images$/m);
  assert.match(up.stderr.trim().split('\n').at(-1)!, new RegExp(`^dataset ${d.id} ready: 300 images, 28x28x1, 10 classes \\(0 \\d+, 1 \\d+,`));
});

test('an archive file uploads as is; one with no images exits 1 with the reason; bad command lines are one line', async () => {
  const zip = path.join(work, 'empty.zip');
  await fs.writeFile(zip, makeZip([{ name: 'readme.txt', data: Buffer.from('hi') }]));
  const failed = await ganforge(['datasets', 'upload', zip, '--name', 'nothing']);
  assert.equal(failed.code, 1, failed.stderr);
  assert.equal(failed.stdout, '');
  assert.match(failed.stderr.trim().split('\n').at(-1)!, /^ganforge: dataset [0-9a-f-]{36} failed: the archive holds no usable PNG, JPEG or WebP image; 1 files skipped/);

  for (const [args, message] of [
    [['datasets', 'upload', work], /missing required flag --name/],
    [['datasets', 'upload', work, '--name', 'x', '--size', '48'], /--size: must be one of 28, 32, 64, got "48"/],
    [['datasets', 'upload', path.join(work, 'nope'), '--name', 'x'], /does not exist/],
    [['datasets', 'upload', path.join(work, 'empty.zip.txt'), '--name', 'x'], /does not exist/],
    [['datasets', 'frobnicate'], /unknown "frobnicate"/],
  ] as const) {
    const r = await ganforge([...args]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length <= 2, true, r.stderr);
  }
});

test('an upload the API refuses as it passes GANFORGE_DATASET_MAX_BYTES exits 1 with the API\'s answer in one line', async (t) => {
  const small = await buildTestApp(t, { GANFORGE_DATASET_MAX_BYTES: '2048' });
  const zip = path.join(work, 'big.zip');
  await fs.writeFile(zip, makeZip([{ name: 'a.png', data: randomBytes(1024 * 1024) }]));
  const r = await runGanforge(['datasets', 'upload', zip, '--name', 'big'], { ...process.env, GANFORGE_API: await small.listen() });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').at(-1), 'ganforge: 413 Payload Too Large: the archive is larger than 2048 bytes (GANFORGE_DATASET_MAX_BYTES)');
});
