// Data sources: the pack format, the byte-bounded LRU cache, and routing a reference to a built-in or an uploaded pack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodePack, encodePack, DatasetPackError, type Pack } from '../../src/gan/datasets/pack.js';
import { ByteLruCache } from '../../src/gan/datasets/byte-lru-cache.js';
import { BuiltinSource, DatasetSources, PackSource } from '../../src/gan/datasets/sources.js';
import { DatasetError } from '../../src/gan/datasets/index.js';
import { isLabelled } from '../../src/gan/datasets/dataset.js';
import { FsArtifactStore } from '../../src/storage/fs-artifact-store.js';
import { artifactKeys } from '../../src/contract/keys.js';
import { retryOf } from '../../src/errors.js';

function pack(count: number, size: number, channels: number, classes: string[]): Pack {
  const images = Uint8Array.from({ length: count * size * size * channels }, (_, i) => (i * 7) % 256);
  const labels = Uint8Array.from({ length: count }, (_, i) => (classes.length ? i % classes.length : 0));
  return { count, height: size, width: size, channels, classes, images, labels };
}

test('a pack round-trips shape, pixels, labels and class names', () => {
  const p = pack(5, 4, 3, ['cats', 'dogs']);
  const back = decodePack(encodePack(p), 'x');
  assert.deepEqual({ ...back, images: [...back.images], labels: [...back.labels] }, { ...p, images: [...p.images], labels: [...p.labels] });
});

test('a damaged pack is a permanent DatasetPackError', () => {
  const bytes = encodePack(pack(3, 2, 1, []));
  assert.throws(() => decodePack(bytes.subarray(0, bytes.length - 1), 'p'), DatasetPackError);
  assert.throws(() => decodePack(new Uint8Array(20), 'p'), /not a dataset pack/);
  const bad = bytes.slice();
  bad[13] = 0x7b; // inside the JSON header
  assert.throws(() => decodePack(bad, 'p'), DatasetPackError);
  assert.equal(retryOf(new DatasetPackError('x')), 'permanent');
  assert.throws(() => encodePack({ ...pack(3, 2, 1, []), labels: new Uint8Array(2) }), DatasetPackError);
});

test('the LRU cache drops the least recently used values past its byte bound, and forgets failed loads', async () => {
  const cache = new ByteLruCache<Uint8Array>(250, (v) => v.byteLength);
  let loads = 0;
  const load = (n: number) => async () => (loads++, new Uint8Array(n));
  await cache.get('a', load(100));
  await cache.get('b', load(100));
  await cache.get('a', load(100)); // hit: a is now the most recent
  assert.equal(loads, 2);
  await cache.get('c', load(100)); // 300 > 250: b goes
  assert.deepEqual(cache.keys(), ['a', 'c']);
  assert.equal(cache.bytes, 200);
  await cache.get('huge', load(1000)); // alone over the bound: returned, not kept, and nothing else kept either
  assert.ok(cache.bytes <= 250);
  assert.ok(!cache.keys().includes('huge'));
  await assert.rejects(cache.get('bad', async () => Promise.reject(new Error('boom'))), /boom/);
  await new Promise((r) => setImmediate(r));
  assert.ok(!cache.keys().includes('bad'));
  // Concurrent asks share one load.
  const [x, y] = await Promise.all([cache.get('d', load(10)), cache.get('d', load(10))]);
  assert.equal(x, y);
});

test('sources: built-in names and uploaded ids, through one cache', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'gf-sources-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = new FsArtifactStore(root);
  const id = 'd0c5e8a2-4b4f-4e8e-9a55-3f0b1d2c3e4f';
  await store.put(artifactKeys.datasetPack(id), encodePack(pack(6, 32, 3, ['a', 'b', 'c'])));
  let reads = 0;
  const sources = new DatasetSources(
    new BuiltinSource({ GANFORGE_FASHION_MNIST_DIR: '/usr/share/datasets/fashion-mnist' }),
    new PackSource(async (ref) => (reads++, store.get(artifactKeys.datasetPack(ref)))),
    1024 ** 3,
  );
  const up = await sources.load(id);
  assert.deepEqual([up.count, up.height, up.width, up.channels], [6, 32, 32, 3]);
  assert.deepEqual(up.classes, ['a', 'b', 'c']);
  assert.deepEqual([...up.labels], [0, 1, 2, 0, 1, 2]);
  assert.equal(up.images[0], -1); // byte 0 -> -1
  assert.equal(up.images[1], Math.fround(7 / 127.5 - 1));
  await sources.load(id);
  assert.equal(reads, 1, 'the second ask is served from the cache');

  const mnist = await sources.load('mnist');
  assert.equal(mnist.classes?.length, 10);
  assert.ok(isLabelled(mnist));
  assert.equal(mnist.height, 28);

  await assert.rejects(sources.load('7f1c0c1e-1111-4222-8333-444455556666'), DatasetError);
  await assert.rejects(new BuiltinSource({ GANFORGE_FASHION_MNIST_DIR: '/nope' }).load('cifar'), DatasetError);
});

test('a cache bounded to one dataset keeps the newest only', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'gf-sources-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = new FsArtifactStore(root);
  const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
  for (const id of ids) await store.put(artifactKeys.datasetPack(id), encodePack(pack(10, 8, 1, [])));
  const one = 10 * 8 * 8 * 4 + 10; // float32 pixels + labels
  const sources = new DatasetSources(new BuiltinSource({ GANFORGE_FASHION_MNIST_DIR: '/nope' }), new PackSource((r) => store.get(artifactKeys.datasetPack(r))), one);
  const first = await sources.load(ids[0]);
  assert.equal(isLabelled(first), false);
  await sources.load(ids[1]);
  assert.deepEqual(sources.cache.keys(), [ids[1]]);
  assert.equal(sources.cache.bytes, one);
});
