// Renders a batch of generated images (NHWC, values in [-1, 1]) as one PNG grid, like Keras-GAN's sample_images.
import { PNG } from 'pngjs';

export interface SampleGridOptions {
  /** Number of images in `images`; at least rows * cols (extra images are not drawn). */
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  rows: number;
  cols: number;
  /** Integer nearest-neighbour upscaling per tile; default shows a 28x28 tile at 112 px (4x). */
  scale?: number;
  /** Separator width in px between tiles and around the border; default 2. */
  padding?: number;
  /** Digits written left of each row (a conditional model's class); draws a margin for them. */
  rowTitles?: string[];
}

/** A 3x5 pixel font for the digits of row titles, one string of 15 bits per digit, row by row. */
const DIGITS = [
  '111101101101111', '010110010010111', '111001111100111', '111001111001111', '101101111001001',
  '111100111001111', '111100111101111', '111001010010010', '111101111101111', '111101111001111',
];
const TITLE_INK = 235;

/** Target on-screen tile size used to pick the default scale. */
const DEFAULT_TILE_PX = 112;
const DEFAULT_PADDING = 2;
/** Neutral dark grey: visible against both black (-1) and white (1) pixels. */
const SEPARATOR = 48;

/** Maps a generator output in [-1, 1] to a byte; NaN (a diverged generator) is drawn as black rather than thrown. */
export function toByte(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.round((Math.min(Math.max(v, -1), 1) + 1) * 127.5);
}

export function defaultScale(height: number, width: number): number {
  return Math.max(1, Math.floor(DEFAULT_TILE_PX / Math.max(height, width)));
}

/** Returns the PNG file bytes. Tile i is drawn at row floor(i / cols), column i % cols. */
export function renderSampleGrid(images: Float32Array, opts: SampleGridOptions): Uint8Array {
  const { count, height, width, channels, rows, cols } = opts;
  for (const [name, value] of Object.entries({ count, height, width, rows, cols })) {
    requireInt(name, value, 1);
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`renderSampleGrid: channels must be 1 or 3, got ${String(channels)}`);
  }
  const scale = opts.scale ?? defaultScale(height, width);
  const padding = opts.padding ?? DEFAULT_PADDING;
  requireInt('scale', scale, 1);
  requireInt('padding', padding, 0);
  if (count < rows * cols) {
    throw new RangeError(`renderSampleGrid: count ${count} is less than rows*cols = ${rows}*${cols} = ${rows * cols}`);
  }
  const tileValues = height * width * channels;
  if (images.length !== count * tileValues) {
    throw new RangeError(
      `renderSampleGrid: images has ${images.length} values, expected count*height*width*channels = ` +
        `${count}*${height}*${width}*${channels} = ${count * tileValues}`,
    );
  }

  const tileW = width * scale;
  const tileH = height * scale;
  const titles = opts.rowTitles;
  // A font pixel is a 14th of a tile's height: a digit is 3 x 5 of them, with one between digits.
  const dot = Math.max(1, Math.floor(tileH / 14));
  const longest = titles ? Math.max(...titles.map((t) => t.length)) : 0;
  const margin = titles ? (longest * 4 + 1) * dot + padding : 0;
  const png = new PNG({ width: margin + cols * tileW + (cols + 1) * padding, height: rows * tileH + (rows + 1) * padding });
  const out = png.data; // RGBA, row-major
  out.fill(SEPARATOR);
  for (let i = 3; i < out.length; i += 4) out[i] = 255;

  titles?.forEach((title, row) => {
    const y0 = padding + row * (tileH + padding) + Math.floor((tileH - 5 * dot) / 2);
    [...title].forEach((ch, k) => {
      const bits = DIGITS[ch.charCodeAt(0) - 48];
      if (!bits) return;
      for (let i = 0; i < 15; i++) {
        if (bits[i] !== '1') continue;
        const x = padding + dot + (k * 4 + (i % 3)) * dot;
        const y = y0 + Math.floor(i / 3) * dot;
        for (let dy = 0; dy < dot; dy++) {
          for (let dx = 0; dx < dot; dx++) out.fill(TITLE_INK, ((y + dy) * png.width + x + dx) * 4, ((y + dy) * png.width + x + dx) * 4 + 3);
        }
      }
    });
  });
  for (let tile = 0; tile < rows * cols; tile++) {
    const x0 = margin + padding + (tile % cols) * (tileW + padding);
    const y0 = padding + Math.floor(tile / cols) * (tileH + padding);
    const base = tile * tileValues;
    for (let y = 0; y < tileH; y++) {
      const srcRow = base + Math.floor(y / scale) * width * channels;
      let dst = ((y0 + y) * png.width + x0) * 4;
      for (let x = 0; x < tileW; x++, dst += 4) {
        const src = srcRow + Math.floor(x / scale) * channels;
        const r = toByte(images[src]);
        out[dst] = r;
        out[dst + 1] = channels === 3 ? toByte(images[src + 1]) : r;
        out[dst + 2] = channels === 3 ? toByte(images[src + 2]) : r;
      }
    }
  }
  // Grayscale PNG for 1-channel data (pngjs averages R, G, B, which are equal here); RGB otherwise.
  const bytes = PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2 });
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function requireInt(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`renderSampleGrid: ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
}
