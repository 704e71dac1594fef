// Dataset uploads end to end on the API (real HTTP, real Redis) and a real worker process that unpacks them:
// processing to ready or failed, projects, preview, delete, and hostile uploads (each a problem+json, nothing left).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ADMIN_TOKEN, assertProblem, bearer, createKey, startTestApp, type TestApp } from './test-app.js';
import { startProcess, stopProcess, waitUntil, type Proc } from '../helpers/processes.js';
import { fashionSlice, hugeHeaderPng, idxFile, makeTar, makeZip, solidPng } from '../helpers/archives.js';
import { gzipSync } from 'node:zlib';
import { connect } from '../helpers/redis.js';
import { redisKeys } from '../../src/contract/keys.js';

const MAX_BYTES = 1024 * 1024;
let t: TestApp;
let worker: Proc;
let base: string;
let alice: Record<string, string>;
let bob: Record<string, string>;

before(async () => {
  t = await startTestApp({
    GANFORGE_ADMIN_TOKEN: ADMIN_TOKEN,
    GANFORGE_DATASET_MAX_BYTES: String(MAX_BYTES),
    GANFORGE_DATASET_UPLOADS_PER_CLIENT: '1',
    GANFORGE_DATASET_MAX_ENTRIES: '40',
  });
  base = await t.listen();
  worker = startProcess('src/worker/main.ts', {
    REDIS_URL: t.env.REDIS_URL,
    GANFORGE_PREFIX: t.env.GANFORGE_PREFIX,
    GANFORGE_DATA_DIR: t.env.GANFORGE_DATA_DIR,
    GANFORGE_BACKEND: 'wasm',
    GANFORGE_DATASET_MAX_ENTRIES: '40',
    GANFORGE_DATASET_MAX_UNPACKED_BYTES: String(8 * 1024 * 1024),
  });
  alice = bearer((await createKey(t, { project: 'alice', role: 'member' })).token);
  bob = bearer((await createKey(t, { project: 'bob', role: 'member' })).token);
  await worker.waitFor(/worker ready/);
});

after(async () => {
  if (worker) await stopProcess(worker);
  await t?.close();
});

const upload = (body: Buffer, type = 'application/zip', query = 'name=test', headers = alice) =>
  t.app.inject({ method: 'POST', url: `/datasets?${query}`, headers: { ...headers, 'content-type': type }, payload: body });

async function settled(id: string, headers = alice): Promise<any> {
  return waitUntil(
    async () => {
      const res = await t.app.inject({ url: `/datasets/${id}`, headers });
      const d = JSON.parse(res.body);
      return d.status !== 'processing' && d;
    },
    60_000,
    `dataset ${id} to be processed`,
  );
}

/** Keys the artifact store holds for a dataset (the data dir is the filesystem store's root). */
async function storedFiles(id?: string): Promise<string[]> {
  const dir = path.join(t.env.GANFORGE_DATA_DIR, 'datasets', ...(id ? [id] : []));
  return readdir(dir, { recursive: true }).catch(() => []);
}

async function projectDatasets(project: string): Promise<string[]> {
  const redis = connect();
  try {
    return await redis.zrange(redisKeys(t.env.GANFORGE_PREFIX).projectDatasets(project), 0, -1);
  } finally {
    redis.disconnect();
  }
}

test('a labelled zip becomes a ready dataset with classes, counts, skipped files and a preview; other projects see nothing', async () => {
  const red = await solidPng(40, 30, [255, 0, 0]);
  const blue = await solidPng(30, 40, [0, 0, 255]);
  const zip = makeZip([
    { name: 'red/1.png', data: red },
    { name: 'red/2.png', data: red },
    { name: 'blue/1.jpg', data: await sharp(blue).jpeg().toBuffer() },
    { name: 'blue/notes.txt', data: Buffer.from('not an image') },
    { name: 'blue/huge.png', data: hugeHeaderPng() },
  ]);
  const res = await upload(zip, 'application/zip', 'name=colours&size=32&channels=3');
  assert.equal(res.statusCode, 202, res.body);
  const created = JSON.parse(res.body);
  assert.equal(res.headers.location, `/datasets/${created.id}`);
  assert.equal(created.status, 'processing');
  assert.deepEqual(created.shape, [32, 32, 3]);
  assert.equal(created.uploadBytes, zip.length);

  const d = await settled(created.id);
  assert.equal(d.status, 'ready', JSON.stringify(d));
  assert.equal(d.count, 3);
  assert.deepEqual(d.classes, [{ name: 'blue', count: 1 }, { name: 'red', count: 2 }]);
  assert.equal(d.skippedCount, 2);
  assert.deepEqual(d.progress, { done: 5, total: 5 }, 'every file was tried as an image');
  assert.match(d.skipped.find((s: any) => s.file === 'blue/huge.png').reason, /100000x100000/);
  assert.ok(d.bytes > 3 * 32 * 32 * 3);
  assert.ok(d.finishedAt);
  assert.deepEqual((await storedFiles(created.id)).sort(), ['pack.bin', 'preview.png'], 'the upload itself is gone');

  const preview = await t.app.inject({ url: `/datasets/${created.id}/preview.png`, headers: alice });
  assert.equal(preview.statusCode, 200);
  assert.equal(preview.headers['content-type'], 'image/png');
  const meta = await sharp(preview.rawPayload).metadata();
  assert.equal(meta.height, 2 * 34 + 2, 'one row per class');

  const list = JSON.parse((await t.app.inject({ url: '/datasets', headers: alice })).body).datasets;
  assert.deepEqual(list.slice(0, 2).map((x: any) => x.id), ['mnist', 'fashion-mnist']);
  assert.ok(list.some((x: any) => x.id === created.id));
  const bobs = JSON.parse((await t.app.inject({ url: '/datasets', headers: bob })).body).datasets;
  assert.ok(!bobs.some((x: any) => x.id === created.id));
  assertProblem(await t.app.inject({ url: `/datasets/${created.id}`, headers: bob }), 404, 'NOT_FOUND');
  assertProblem(await t.app.inject({ url: `/datasets/${created.id}/preview.png`, headers: bob }), 404, 'NOT_FOUND');
  assertProblem(await t.app.inject({ method: 'DELETE', url: `/datasets/${created.id}`, headers: bob }), 404, 'NOT_FOUND');

  const del = await t.app.inject({ method: 'DELETE', url: `/datasets/${created.id}`, headers: alice });
  assert.equal(del.statusCode, 204);
  assertProblem(await t.app.inject({ url: `/datasets/${created.id}`, headers: alice }), 404, 'NOT_FOUND');
  assert.deepEqual(await storedFiles(created.id), []);
  assert.ok(!(await projectDatasets('alice')).includes(created.id));
});

test('a tar.gz without folders is unlabelled; a plain tar works too', async () => {
  const g = await solidPng(28, 28, [128, 128, 128]);
  const tgz = await makeTar([{ name: 'a.png', data: g }, { name: 'b.webp', data: await sharp(g).webp().toBuffer() }], true);
  const d = await settled(JSON.parse((await upload(tgz, 'application/gzip')).body).id);
  assert.equal(d.status, 'ready', JSON.stringify(d));
  assert.deepEqual([d.count, d.classes, d.shape], [2, [], [28, 28, 1]]);
  const tarball = await makeTar([{ name: 'x/a.png', data: g }]);
  const e = await settled(JSON.parse((await upload(tarball, 'application/x-tar')).body).id);
  assert.deepEqual([e.status, e.classes], ['ready', [{ name: 'x', count: 1 }]]);
  assertProblem(await t.app.inject({ url: `/datasets/${e.id}/preview.png`.replace(e.id, '00000000-0000-4000-8000-000000000000'), headers: alice }), 404, 'NOT_FOUND');
});

test('an IDX pair (real Fashion-MNIST bytes, gzipped) in a tar.gz becomes a labelled dataset; progress ends at the total', async () => {
  // 40 images: the worker's GANFORGE_DATASET_MAX_ENTRIES, which counts IDX images too.
  const { images, labels } = fashionSlice(40);
  const tgz = await makeTar(
    [
      { name: 'data/t10k-images-idx3-ubyte.gz', data: gzipSync(idxFile([40, 28, 28], images)) },
      { name: 'data/t10k-labels-idx1-ubyte.gz', data: gzipSync(idxFile([40], labels)) },
    ],
    true,
  );
  const res = await upload(tgz, 'application/gzip', 'name=fashion-idx&size=32&channels=3');
  assert.equal(res.statusCode, 202, res.body);
  assert.equal(JSON.parse(res.body).progress, null, 'no progress before a worker has read the archive');
  const d = await settled(JSON.parse(res.body).id);
  assert.equal(d.status, 'ready', JSON.stringify(d));
  assert.deepEqual([d.count, d.shape, d.skippedCount], [40, [32, 32, 3], 0]);
  const expected = new Map<string, number>();
  for (const l of labels) expected.set(String(l), (expected.get(String(l)) ?? 0) + 1);
  assert.deepEqual(d.classes, [...expected].sort((a, b) => Number(a[0]) - Number(b[0])).map(([name, count]) => ({ name, count })));
  assert.deepEqual(d.progress, { done: 40, total: 40 });
  const preview = await t.app.inject({ url: `/datasets/${d.id}/preview.png`, headers: alice });
  assert.equal((await sharp(preview.rawPayload).metadata()).height, expected.size * 34 + 2, 'one row per class');

  const mismatch = makeZip([{ name: 'x-images-idx3-ubyte', data: idxFile([3, 28, 28], images.subarray(0, 3 * 784)) }, { name: 'x-labels-idx1-ubyte', data: idxFile([2], labels.subarray(0, 2)) }]);
  const m = await settled(JSON.parse((await upload(mismatch)).body).id);
  assert.equal(m.status, 'failed');
  assert.match(m.error, /x-labels-idx1-ubyte: count mismatch: 2 labels but 3 images in x-images-idx3-ubyte/);
  assert.deepEqual(await storedFiles(m.id), []);
});

test('archives that cannot be used fail with a reason, and leave no files', async () => {
  const ok = await solidPng(28, 28, [1, 1, 1]);
  const cases: [string, Buffer, string, RegExp][] = [
    ['corrupt', Buffer.from('PK\x03\x04 this is not really a zip file at all'), 'application/zip', /not a valid zip archive/],
    ['truncated', (await makeTar([{ name: 'a.png', data: ok }], true)).subarray(0, 100), 'application/gzip', /not a valid tar.gz archive/],
    ['too many entries', makeZip(Array.from({ length: 41 }, (_, i) => ({ name: `c/${i}.png`, data: ok }))), 'application/zip', /more than 40 entries/],
    ['zip bomb', makeZip([{ name: 'c/bomb.png', data: Buffer.alloc(30 * 1024 * 1024), deflate: true }]), 'application/zip', /expands \d+-fold|unpacks to more than/],
    ['no images', makeZip([{ name: 'a.txt', data: Buffer.from('x') }, { name: 'b/../../etc/passwd', data: ok }, { name: 'l.png', data: Buffer.from('/x'), mode: 0o120777 }]), 'application/zip', /no usable PNG, JPEG or WebP image; 3 files skipped/],
  ];
  for (const [what, body, type, reason] of cases) {
    const res = await upload(body, type);
    assert.equal(res.statusCode, 202, `${what}: ${res.body}`);
    const d = await settled(JSON.parse(res.body).id);
    assert.equal(d.status, 'failed', what);
    assert.match(d.error, reason, what);
    assert.deepEqual(await storedFiles(d.id), [], `${what}: no upload, pack or preview left`);
    assertProblem(await t.app.inject({ url: `/datasets/${d.id}/preview.png`, headers: alice }), 409, 'CONFLICT');
  }
});

test('wrong content types are 415, an empty body 400, bad query 400, all problem+json and nothing stored', async () => {
  const before = await projectDatasets('alice');
  assertProblem(await t.app.inject({ method: 'POST', url: '/datasets?name=x', headers: alice, payload: { a: 1 } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  assertProblem(await upload(Buffer.from('hello'), 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  assertProblem(await upload(Buffer.from('hello'), 'image/png'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  assertProblem(await upload(Buffer.alloc(0)), 400, 'INVALID_PARAMETER');
  assertProblem(await upload(Buffer.from('x'), 'application/zip', 'name=x&size=48'), 400, 'VALIDATION_FAILED');
  assertProblem(await upload(Buffer.from('x'), 'application/zip', 'size=28'), 400, 'VALIDATION_FAILED');
  assert.deepEqual(await projectDatasets('alice'), before);
});

/** Sends a body in chunks over real HTTP; resolves with the status and body, whenever the server answers. */
function streamUpload(opts: { chunks: number; chunkBytes: number; abortAfter?: number; length?: number; onChunk?: (i: number) => Promise<void> }) {
  const req = http.request(`${base}/datasets?name=stream`, {
    method: 'POST',
    headers: { ...alice, 'content-type': 'application/zip', ...(opts.length ? { 'content-length': String(opts.length) } : {}) },
  });
  const answered = new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, sent }));
    });
    req.on('error', reject);
  });
  let sent = 0;
  const writing = (async () => {
    for (let i = 0; i < opts.chunks; i++) {
      if (opts.abortAfter !== undefined && i === opts.abortAfter) {
        req.destroy();
        return;
      }
      if (req.destroyed) return;
      const ok = req.write(Buffer.alloc(opts.chunkBytes, 7));
      sent += opts.chunkBytes;
      if (!ok) await new Promise((r) => req.once('drain', r));
      await opts.onChunk?.(i);
      await new Promise((r) => setTimeout(r, 5));
    }
    req.end();
  })().catch(() => {});
  return { req, answered, writing };
}

test('413 as the upload passes the limit, before the client has sent it all; nothing is left', async () => {
  const before = await projectDatasets('alice');
  const filesBefore = (await storedFiles()).sort();
  // 64 chunks of 64 KiB = 4 MiB, four times the limit, sent without a Content-Length (chunked).
  const up = streamUpload({ chunks: 64, chunkBytes: 64 * 1024 });
  const res = await up.answered;
  assert.equal(res.status, 413, res.body);
  assert.equal(JSON.parse(res.body).code, 'PAYLOAD_TOO_LARGE');
  assert.ok(res.sent < 4 * MAX_BYTES, `answered after ${res.sent} bytes, before the end`);
  up.req.destroy();
  // A declared length over the limit is refused before any of the body is read.
  const declared = streamUpload({ chunks: 1, chunkBytes: 1024, length: 10 * MAX_BYTES });
  assert.equal((await declared.answered).status, 413);
  declared.req.destroy();
  await waitUntil(async () => (await storedFiles()).length === filesBefore.length || null, 10_000, 'the partial upload to be removed');
  assert.deepEqual((await storedFiles()).sort(), filesBefore);
  assert.deepEqual(await projectDatasets('alice'), before);
});

test('an upload cut off mid-stream leaves no dataset and no file; a second upload at once from one client is 429', async () => {
  const before = await projectDatasets('alice');
  const filesBefore = await storedFiles();
  let secondStatus: number | undefined;
  let secondCode: string | undefined;
  const up = streamUpload({
    chunks: 10,
    chunkBytes: 16 * 1024,
    abortAfter: 6,
    onChunk: async (i) => {
      if (i !== 2) return;
      // The first upload holds this client's one slot (GANFORGE_DATASET_UPLOADS_PER_CLIENT=1).
      const res = await fetch(`${base}/datasets?name=second`, { method: 'POST', headers: { ...alice, 'content-type': 'application/zip' }, body: 'PK' });
      secondStatus = res.status;
      secondCode = (await res.json()).code;
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
      assert.ok(res.headers.get('retry-after'));
    },
  });
  await up.writing;
  await up.answered.catch(() => {});
  assert.equal(secondStatus, 429);
  assert.equal(secondCode, 'TOO_MANY_STREAMS');
  // The server sees the reset, and removes what it had written.
  await waitUntil(async () => (await storedFiles()).length === filesBefore.length || null, 10_000, 'the partial upload to be removed');
  assert.deepEqual(await projectDatasets('alice'), before);
  // The slot is free again.
  const ok = await upload(makeZip([{ name: 'a.png', data: await solidPng(28, 28, [5, 5, 5]) }]));
  assert.equal(ok.statusCode, 202, ok.body);
  assert.equal((await settled(JSON.parse(ok.body).id)).status, 'ready');
});
