// Tests the PNG sample grid: geometry, tile placement, value mapping and argument validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { renderSampleGrid, toByte } from '../../src/gan/sample-grid.js';

/** One constant value per tile, NHWC. */
function constantTiles(values: number[], h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(values.length * h * w * c);
  values.forEach((v, i) => out.fill(v, i * h * w * c, (i + 1) * h * w * c));
  return out;
}

function pixel(png: PNG, x: number, y: number): [number, number, number, number] {
  const i = (y * png.width + x) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2], png.data[i + 3]];
}

test('toByte maps [-1, 1] to 0..255 and clamps', () => {
  assert.equal(toByte(-1), 0);
  assert.equal(toByte(0), 128); // 127.5 rounds up
  assert.equal(toByte(1), 255);
  assert.equal(toByte(-7), 0);
  assert.equal(toByte(3), 255);
  assert.equal(toByte(Number.NaN), 0);
});

test('grayscale grid: size, default 4x scale for 28x28, tile placement and values', () => {
  const values = [-1, 0, 1, 0.5, -0.5, 1]; // 2 rows x 3 cols
  const png = PNG.sync.read(
    Buffer.from(renderSampleGrid(constantTiles(values, 28, 28, 1), { count: 6, height: 28, width: 28, channels: 1, rows: 2, cols: 3 })),
  );
  assert.equal(png.width, 3 * 112 + 4 * 2);
  assert.equal(png.height, 2 * 112 + 3 * 2);
  for (let k = 0; k < values.length; k++) {
    const x0 = 2 + (k % 3) * 114;
    const y0 = 2 + Math.floor(k / 3) * 114;
    const expected = toByte(values[k]);
    for (const [dx, dy] of [[0, 0], [111, 111], [56, 3]]) {
      assert.deepEqual(pixel(png, x0 + dx, y0 + dy), [expected, expected, expected, 255], `tile ${k} at +${dx},+${dy}`);
    }
    // Just outside the tile is separator, not tile content.
    assert.notDeepEqual(pixel(png, x0 + 112, y0), pixel(png, x0 + 111, y0));
  }
  let min = 255;
  let max = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    min = Math.min(min, png.data[i]);
    max = Math.max(max, png.data[i]);
  }
  assert.equal(min, 0);
  assert.equal(max, 255);
});

test('nearest-neighbour upscaling keeps per-pixel values and RGB channels', () => {
  // One 2x2 RGB tile: pixel (0,0) red, (1,0) green, (0,1) blue, (1,1) white.
  const img = new Float32Array([1, -1, -1, -1, 1, -1, -1, -1, 1, 1, 1, 1]);
  const png = PNG.sync.read(
    Buffer.from(renderSampleGrid(img, { count: 1, height: 2, width: 2, channels: 3, rows: 1, cols: 1, scale: 3, padding: 1 })),
  );
  assert.equal(png.width, 2 * 3 + 2);
  assert.equal(png.height, 2 * 3 + 2);
  assert.deepEqual(pixel(png, 1, 1), [255, 0, 0, 255]);
  assert.deepEqual(pixel(png, 3, 3), [255, 0, 0, 255]);
  assert.deepEqual(pixel(png, 4, 1), [0, 255, 0, 255]);
  assert.deepEqual(pixel(png, 1, 4), [0, 0, 255, 255]);
  assert.deepEqual(pixel(png, 6, 6), [255, 255, 255, 255]);
  const border = pixel(png, 0, 0);
  assert.equal(border[0], border[1]);
  assert.ok(border[0] > 0 && border[0] < 128, 'separator is a dark neutral grey');
});

test('extra images beyond rows*cols are ignored', () => {
  const png = PNG.sync.read(
    Buffer.from(renderSampleGrid(constantTiles([1, -1, -1], 2, 2, 1), { count: 3, height: 2, width: 2, channels: 1, rows: 1, cols: 1, scale: 1, padding: 0 })),
  );
  assert.equal(png.width, 2);
  assert.deepEqual(pixel(png, 1, 1), [255, 255, 255, 255]);
});

test('rejects inconsistent arguments', () => {
  const base = { count: 4, height: 2, width: 2, channels: 1 as const, rows: 2, cols: 2 };
  const ok = new Float32Array(4 * 2 * 2);
  assert.throws(() => renderSampleGrid(ok, { ...base, rows: 3 }), /count 4 is less than rows\*cols/);
  assert.throws(() => renderSampleGrid(new Float32Array(15), base), /images has 15 values, expected .* = 16/);
  assert.throws(() => renderSampleGrid(ok, { ...base, scale: 0 }), /scale must be an integer >= 1/);
  assert.throws(() => renderSampleGrid(ok, { ...base, padding: -1 }), /padding must be an integer >= 0/);
  assert.throws(() => renderSampleGrid(ok, { ...base, height: 1.5 }), /height must be an integer/);
  assert.throws(() => renderSampleGrid(ok, { ...base, channels: 2 as 1 }), /channels must be 1 or 3/);
});
