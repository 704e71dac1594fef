// Building a dataset pack from archives: labels from folders, centre crop, formats, and hostile archives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { buildDataset, type BuildOptions } from '../../src/datasets/build-dataset.js';
import { DatasetArchiveError } from '../../src/datasets/archive-entries.js';
import { decodePack } from '../../src/gan/datasets/pack.js';
import { hugeHeaderPng, makeTar, makeZip, solidPng } from '../helpers/archives.js';

const opts: BuildOptions = { size: 28, channels: 1, maxPixels: 40_000_000, maxEntries: 1000, maxUnpackedBytes: 50 * 1024 ** 2, maxRatio: 200 };

test('labels come from the first folder level, classes sorted with counts; pixels are centre-cropped and resized', async () => {
  const white = await solidPng(40, 20, [255, 255, 255]);
  const black = await solidPng(30, 30, [0, 0, 0]);
  const zip = makeZip([
    { name: 'dogs/a.png', data: black },
    { name: 'cats/1.png', data: white, deflate: true },
    { name: 'cats/2.jpg', data: await sharp(white).jpeg().toBuffer() },
    { name: 'dogs/', data: Buffer.alloc(0) },
    { name: 'cats/readme.txt', data: Buffer.from('hello') },
    { name: 'cats/.DS_Store', data: Buffer.from('x') },
  ]);
  const built = await buildDataset(zip, 'zip', opts);
  assert.equal(built.count, 3);
  assert.deepEqual(built.classes, [{ name: 'cats', count: 2 }, { name: 'dogs', count: 1 }]);
  assert.deepEqual(built.skipped.map((s) => s.file).sort(), ['cats/.DS_Store', 'cats/readme.txt']);
  assert.match(built.skipped.find((s) => s.file === 'cats/readme.txt')!.reason, /not a PNG, JPEG or WebP/);
  const pack = decodePack(built.pack, 't');
  assert.deepEqual([pack.count, pack.height, pack.width, pack.channels], [3, 28, 28, 1]);
  assert.deepEqual([...pack.labels], [0, 0, 1]);
  assert.deepEqual(pack.classes, ['cats', 'dogs']);
  assert.equal(pack.images[0], 255);
  assert.equal(pack.images[2 * 784 + 400], 0);
  const meta = await sharp(built.preview).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.height, 2 * 30 + 2, 'one row per class');
});

test('RGB at 32 and 64; tar and tar.gz; no folders means unlabelled; one wrapping folder is looked through', async () => {
  const red = await solidPng(50, 50, [255, 0, 0]);
  const tgz = await makeTar([{ name: 'x.png', data: red }, { name: 'y.webp', data: await sharp(red).webp({ lossless: true }).toBuffer() }], true);
  const built = await buildDataset(tgz, 'tar.gz', { ...opts, size: 32, channels: 3 });
  assert.equal(built.count, 2);
  assert.deepEqual(built.classes, []);
  const pack = decodePack(built.pack, 't');
  assert.deepEqual([pack.height, pack.channels], [32, 3]);
  assert.deepEqual([...pack.images.subarray(0, 3)], [255, 0, 0]);

  const wrapped = await makeTar([{ name: 'photos/a/1.png', data: red }, { name: 'photos/b/1.png', data: red }, { name: 'photos/top.png', data: red }]);
  const w = await buildDataset(wrapped, 'tar', { ...opts, size: 64, channels: 3 });
  assert.deepEqual(w.classes.map((c) => c.name), ['a', 'b']);
  assert.deepEqual(w.skipped, [{ file: 'photos/top.png', reason: 'not in a class folder' }]);
});

test('hostile names, links and headers are skipped with a reason; nothing is written anywhere', async () => {
  const ok = await solidPng(28, 28, [9, 9, 9]);
  const zip = makeZip([
    { name: 'a/ok.png', data: ok },
    { name: '../../evil.png', data: ok },
    { name: '/etc/evil.png', data: ok },
    { name: Buffer.from('a/nul\0.png'), data: ok },
    { name: 'a/link.png', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
    { name: 'a/huge.png', data: hugeHeaderPng() },
    { name: 'a/broken.png', data: ok.subarray(0, 60) },
  ]);
  const built = await buildDataset(zip, 'zip', opts);
  assert.equal(built.count, 1);
  const reasons = Object.fromEntries(built.skipped.map((s) => [s.file, s.reason]));
  assert.match(reasons['../../evil.png'], /path traversal/);
  assert.match(reasons['/etc/evil.png'], /absolute/);
  assert.match(reasons['a/nul?.png'], /NUL/);
  assert.match(reasons['a/link.png'], /symbolic link/);
  assert.match(reasons['a/huge.png'], /100000x100000 pixels is over the limit/);
  assert.match(reasons['a/broken.png'], /corrupt|not a PNG/);

  const t = await buildDataset(await makeTar([{ name: 'a/ok.png', data: ok }, { name: 'a/l.png', type: 'symlink', linkname: '/etc/passwd' }, { name: '../x.png', data: ok }]), 'tar', opts);
  assert.equal(t.count, 1);
  assert.deepEqual(t.skipped.map((s) => s.reason).sort(), ['symbolic link', 'unsafe name (path traversal)']);
});

test('whole-archive failures: corrupt, truncated, too many entries, bombs, nothing usable', async () => {
  const ok = await solidPng(28, 28, [1, 2, 3]);
  await assert.rejects(buildDataset(Buffer.from('not a zip at all'), 'zip', opts), DatasetArchiveError);
  const zip = makeZip([{ name: 'a.png', data: ok }]);
  await assert.rejects(buildDataset(zip.subarray(0, zip.length - 30), 'zip', opts), /not a valid zip archive/);
  const tgz = await makeTar([{ name: 'a.png', data: ok }], true);
  await assert.rejects(buildDataset(tgz.subarray(0, tgz.length - 20), 'tar.gz', opts), /not a valid tar.gz archive/);
  const many = makeZip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.png`, data: ok })));
  await assert.rejects(buildDataset(many, 'zip', { ...opts, maxEntries: 10 }), /more than 10 entries/);
  const zeros = Buffer.alloc(20 * 1024 ** 2);
  await assert.rejects(buildDataset(makeZip([{ name: 'z.png', data: zeros, deflate: true }]), 'zip', opts), /expands \d+-fold/);
  await assert.rejects(
    buildDataset(makeZip([{ name: 'z.png', data: zeros, deflate: true }]), 'zip', { ...opts, maxRatio: 1e9, maxUnpackedBytes: 1024 ** 2 }),
    /unpacks to more than 1048576 bytes/,
  );
  await assert.rejects(buildDataset(await makeTar([{ name: 'z.bin', data: zeros }], true), 'tar.gz', opts), /expands \d+-fold/);
  await assert.rejects(buildDataset(makeZip([{ name: 'a.txt', data: Buffer.from('hi') }]), 'zip', opts), /no usable PNG, JPEG or WebP image; 1 files skipped, e.g. a.txt/);
});

test('names starting with ./ (tar -C dir .) are not hidden files; ./.x is', async () => {
  const ok = await solidPng(28, 28, [7, 7, 7]);
  const tarball = await makeTar([{ name: './cats/1.png', data: ok }, { name: './dogs/1.png', data: ok }, { name: './cats/.x.png', data: ok }]);
  const built = await buildDataset(tarball, 'tar', opts);
  assert.deepEqual(built.classes, [{ name: 'cats', count: 1 }, { name: 'dogs', count: 1 }]);
  assert.deepEqual(built.skipped, [{ file: './cats/.x.png', reason: 'hidden file' }]);
});
