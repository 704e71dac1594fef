// IDX files inside an uploaded archive: real Fashion-MNIST bytes, pairs, sizes, progress, and hostile IDX members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { buildDataset, type BuildOptions } from '../../src/datasets/build-dataset.js';
import { DatasetArchiveError } from '../../src/datasets/archive-entries.js';
import { IdxFormatError } from '../../src/gan/datasets/idx.js';
import { decodePack } from '../../src/gan/datasets/pack.js';
import { fashionSlice, idxFile, makeTar, makeZip, solidPng } from '../helpers/archives.js';

const opts: BuildOptions = { size: 28, channels: 1, maxPixels: 40_000_000, maxEntries: 1000, maxUnpackedBytes: 50 * 1024 ** 2, maxRatio: 200 };
const N = 300;
const fashion = fashionSlice(N);
const imagesIdx = (n = N, images = fashion.images) => idxFile([n, 28, 28], images.subarray(0, n * 784));
const labelsIdx = (n = N, labels = fashion.labels) => idxFile([n], labels.subarray(0, n));

/** Class counts of the first n labels, as the dataset names them ("0".."9"). */
function countsOf(labels: Uint8Array): { name: string; count: number }[] {
  const c = new Map<number, number>();
  for (const l of labels) c.set(l, (c.get(l) ?? 0) + 1);
  return [...c.keys()].sort((a, b) => a - b).map((v) => ({ name: String(v), count: c.get(v)! }));
}

test('a gzipped IDX pair in a zip: the real pixels at 28x28, classes named by label value with counts, progress to the end', async () => {
  const zip = makeZip([
    { name: 'fashion/t10k-images-idx3-ubyte.gz', data: gzipSync(imagesIdx()) },
    { name: 'fashion/t10k-labels-idx1-ubyte.gz', data: gzipSync(labelsIdx()) },
  ]);
  const seen: { done: number; total: number }[] = [];
  const built = await buildDataset(zip, 'zip', opts, (p) => void seen.push(p));
  assert.equal(built.count, N);
  assert.deepEqual(built.classes, countsOf(fashion.labels));
  assert.deepEqual(built.skipped, []);
  const pack = decodePack(built.pack, 't');
  assert.deepEqual([pack.count, pack.height, pack.width, pack.channels], [N, 28, 28, 1]);
  assert.deepEqual(pack.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.ok(Buffer.from(pack.images).equals(Buffer.from(fashion.images)), 'the same pixels, in file order');
  assert.deepEqual([...pack.labels], [...fashion.labels], 'label v is class v when all ten occur');
  assert.deepEqual(seen[0], { done: 0, total: N });
  assert.deepEqual(seen.at(-1), { done: N, total: N });
  assert.ok(seen.every((p, i) => i === 0 || p.done === seen[i - 1].done + 1));
  assert.deepEqual(built.progress, { done: N, total: N });
});

test('resized and centre-cropped to 32 or 64, gray repeated for RGB; images alone are unlabelled; raw members in a tar.gz', async () => {
  const tgz = await makeTar([{ name: 'train-images-idx3-ubyte', data: imagesIdx(20) }], true);
  const built = await buildDataset(tgz, 'tar.gz', { ...opts, size: 32, channels: 3 });
  assert.deepEqual([built.count, built.classes], [20, []]);
  const pack = decodePack(built.pack, 't');
  assert.deepEqual([pack.height, pack.channels], [32, 3]);
  const px = pack.images;
  for (let p = 0; p < 32 * 32; p += 37) assert.ok(px[p * 3] === px[p * 3 + 1] && px[p * 3] === px[p * 3 + 2]);
  // Fashion-MNIST's first image (an ankle boot) is not blank after the resize.
  assert.ok(px.subarray(0, 32 * 32 * 3).some((v) => v > 100));

  // 10 x 20 images: the centre 10 x 10 square is kept, resized to 64.
  const wide = new Uint8Array(2 * 10 * 20);
  for (let y = 0; y < 10; y++) for (let x = 5; x < 15; x++) wide[y * 20 + x] = 200;
  const w = await buildDataset(makeZip([{ name: 'wide-idx3-ubyte', data: idxFile([2, 10, 20], wide) }]), 'zip', { ...opts, size: 64 });
  const wp = decodePack(w.pack, 't').images;
  assert.equal(wp[32 * 64 + 32], 200);
  const mean = wp.subarray(0, 64 * 64).reduce((a, v) => a + v, 0) / (64 * 64);
  assert.ok(mean > 180, `only the centre square, which is bright (mean ${mean})`);
});

test('several pairs are concatenated, paired by name; loose images and stray labels are skipped with a reason', async () => {
  const train = fashionSlice(50);
  const zip = makeZip([
    { name: 'train-images-idx3-ubyte', data: imagesIdx(50, train.images) },
    { name: 't10k-labels-idx1-ubyte', data: labelsIdx(30) },
    { name: 't10k-images-idx3-ubyte.gz', data: gzipSync(imagesIdx(30)) },
    { name: 'train-labels-idx1-ubyte.gz', data: gzipSync(labelsIdx(50, train.labels)) },
    { name: 'extra-labels-idx1-ubyte', data: labelsIdx(5) },
    { name: 'cats/1.png', data: await solidPng(28, 28, [9, 9, 9]) },
  ]);
  const built = await buildDataset(zip, 'zip', opts);
  assert.equal(built.count, 80);
  const pack = decodePack(built.pack, 't');
  // Sets in name order: t10k (30) then train (50).
  assert.deepEqual([...pack.labels.subarray(0, 30)], [...fashion.labels.subarray(0, 30)]);
  assert.deepEqual(Object.fromEntries(built.skipped.map((s) => [s.file, s.reason])), {
    'extra-labels-idx1-ubyte': 'IDX labels without a matching IDX images file',
    'cats/1.png': 'not used: the archive holds IDX files',
  });
});

test('IDX that cannot be used fails the dataset with the reason', async () => {
  const fails: [string, Buffer, RegExp, new (...a: never[]) => Error][] = [
    ['count mismatch', makeZip([{ name: 'a-images-idx3-ubyte', data: imagesIdx(10) }, { name: 'a-labels-idx1-ubyte', data: labelsIdx(9) }]), /a-labels-idx1-ubyte: count mismatch: 9 labels but 10 images/, IdxFormatError],
    ['truncated', makeZip([{ name: 'x-idx3-ubyte', data: imagesIdx(10).subarray(0, 500) }]), /x-idx3-ubyte: truncated data/, IdxFormatError],
    ['not uint8', makeZip([{ name: 'f-idx3-ubyte', data: Buffer.from([0, 0, 0x0d, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]) }]), /unsupported data type 0x0d/, IdxFormatError],
    ['some labelled, some not', makeZip([
      { name: 'a-images-idx3-ubyte', data: imagesIdx(3) },
      { name: 'a-labels-idx1-ubyte', data: labelsIdx(3) },
      { name: 'b-images-idx3-ubyte', data: imagesIdx(3) },
    ]), /b-images-idx3-ubyte has no IDX labels file but a-images-idx3-ubyte has/, DatasetArchiveError],
    ['too many images', makeZip([{ name: 'x-idx3-ubyte', data: imagesIdx(11) }]), /hold 11 images, more than 10 \(GANFORGE_DATASET_MAX_ENTRIES\)/, DatasetArchiveError],
    ['huge images', makeZip([{ name: 'x-idx3-ubyte', data: idxFile([1, 3000, 3000], new Uint8Array(9e6)) }]), /3000x3000 pixels are over the limit of 1000000/, IdxFormatError],
    ['gzip bomb member', makeZip([{ name: 'x-idx3-ubyte.gz', data: gzipSync(idxFile([40, 1024, 1024], new Uint8Array(40 * 1024 ** 2))) }]), /x-idx3-ubyte\.gz expands \d+-fold/, DatasetArchiveError],
  ];
  for (const [what, zip, reason, cls] of fails) {
    await assert.rejects(buildDataset(zip, 'zip', { ...opts, maxEntries: what === 'too many images' ? 10 : 1000, maxPixels: 1_000_000 }), (err: Error) => {
      assert.ok(err instanceof cls, `${what}: ${err.constructor.name} ${err.message}`);
      assert.match(err.message, reason, what);
      return true;
    });
  }
  // Over the unpacked budget, with the ratio out of the way.
  await assert.rejects(
    buildDataset(makeZip([{ name: 'x-idx3-ubyte.gz', data: gzipSync(imagesIdx()) }]), 'zip', { ...opts, maxUnpackedBytes: 100_000, maxRatio: 1e6 }),
    /unpacks to more than 100000 bytes/,
  );
  // A .gz member that is not gzip is skipped, like any file that cannot be read; labels alone make no dataset.
  const built = buildDataset(makeZip([{ name: 'x-idx3-ubyte.gz', data: Buffer.from('not gzip') }, { name: 'l-idx1-ubyte', data: labelsIdx(3) }]), 'zip', opts);
  await assert.rejects(built, /no usable PNG, JPEG or WebP image; 2 files skipped, e.g. x-idx3-ubyte\.gz: not a valid gzip file/);
});
