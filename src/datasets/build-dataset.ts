// Turns an uploaded archive into a dataset pack: decode each image, label it by its folder, and draw a preview grid.
import sharp from 'sharp';
import { encodePack } from '../gan/datasets/pack.js';
import { readArchive, DatasetArchiveError, type ArchiveLimits } from './archive-entries.js';
import { decodeImage } from './image-decode.js';
import type { ArchiveFormat } from '../contract/dataset.js';

export interface BuildOptions extends ArchiveLimits {
  size: number;
  channels: 1 | 3;
  maxPixels: number;
}

export interface BuiltDataset {
  pack: Uint8Array;
  preview: Uint8Array;
  count: number;
  classes: { name: string; count: number }[];
  skipped: { file: string; reason: string }[];
}

const MAX_CLASSES = 256;

/** Hidden files and the folders macOS adds to archives are not images. */
const hidden = (name: string) => name.split('/').some((p) => p.startsWith('.') || p === '__MACOSX');

/**
 * Labels come from the first folder level (`cats/1.png`). An archive whose files all sit under one top folder
 * (`tar -czf x.tgz photos`) is read from inside it. No folders at all: unlabelled.
 */
function labelPaths(names: string[]): { label: string | null; reason?: string }[] {
  let parts = names.map((n) => n.replace(/^(\.\/)+/, '').split('/').filter(Boolean));
  const tops = new Set(parts.map((p) => (p.length > 1 ? p[0] : '')));
  if (tops.size === 1 && !tops.has('') && parts.some((p) => p.length > 2)) parts = parts.map((p) => p.slice(1));
  const labelled = parts.some((p) => p.length > 1);
  return parts.map((p) => {
    if (!labelled) return { label: null };
    return p.length > 1 ? { label: p[0] } : { label: null, reason: 'not in a class folder' };
  });
}

export async function buildDataset(bytes: Uint8Array, format: ArchiveFormat, opts: BuildOptions): Promise<BuiltDataset> {
  const entries = await readArchive(bytes, format, opts);
  const skipped: { file: string; reason: string }[] = [];
  const images: { name: string; pixels: Buffer }[] = [];
  for (const e of entries) {
    if ('skipped' in e) skipped.push({ file: e.name, reason: e.skipped });
    else if (hidden(e.name)) skipped.push({ file: e.name, reason: 'hidden file' });
    else {
      const d = await decodeImage(e.data, opts);
      if ('skipped' in d) skipped.push({ file: e.name, reason: d.skipped });
      else images.push({ name: e.name, pixels: d.pixels });
    }
  }
  const labels = labelPaths(images.map((i) => i.name));
  const kept = images.flatMap((img, i) => {
    const l = labels[i];
    if (l.reason) {
      skipped.push({ file: img.name, reason: l.reason });
      return [];
    }
    return [{ ...img, label: l.label }];
  });
  if (kept.length === 0) {
    const why = skipped.length ? `; ${skipped.length} files skipped, e.g. ${skipped[0].file}: ${skipped[0].reason}` : '';
    throw new DatasetArchiveError(`the archive holds no usable PNG, JPEG or WebP image${why}`);
  }
  const names = [...new Set(kept.flatMap((k) => (k.label === null ? [] : [k.label])))].sort();
  if (names.length > MAX_CLASSES) throw new DatasetArchiveError(`${names.length} class folders; at most ${MAX_CLASSES}`);
  const index = new Map(names.map((n, i) => [n, i]));
  // Sorted by class then file name, so a pack is the same whatever order the archive lists its files in.
  kept.sort((a, b) => (index.get(a.label ?? '') ?? 0) - (index.get(b.label ?? '') ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const per = opts.size * opts.size * opts.channels;
  const pixels = new Uint8Array(kept.length * per);
  const labelBytes = new Uint8Array(kept.length);
  kept.forEach((k, i) => {
    pixels.set(k.pixels, i * per);
    labelBytes[i] = index.get(k.label ?? '') ?? 0;
  });
  const counts = names.map((name) => ({ name, count: kept.filter((k) => k.label === name).length }));
  const pack = encodePack({ count: kept.length, height: opts.size, width: opts.size, channels: opts.channels, classes: names, images: pixels, labels: labelBytes });
  const preview = await renderPreview(pixels, labelBytes, names.length, opts);
  return { pack, preview, count: kept.length, classes: counts, skipped };
}

/** A grid of real images: one row per class (its first ten) when labelled, else 8 x 8. */
async function renderPreview(pixels: Uint8Array, labels: Uint8Array, classes: number, opts: BuildOptions): Promise<Uint8Array> {
  const { size, channels } = opts;
  const per = size * size * channels;
  const count = labels.length;
  const rows: number[][] = [];
  if (classes > 0) {
    for (let c = 0; c < Math.min(classes, 16); c++) rows.push([...labels.keys()].filter((i) => labels[i] === c).slice(0, 10));
  } else {
    for (let r = 0; r * 8 < Math.min(count, 64); r++) rows.push([...Array(Math.min(8, count - r * 8)).keys()].map((k) => r * 8 + k));
  }
  const cols = Math.max(...rows.map((r) => r.length));
  const pad = 2;
  const W = cols * (size + pad) + pad;
  const H = rows.length * (size + pad) + pad;
  const grid = new Uint8Array(W * H * channels);
  rows.forEach((row, r) =>
    row.forEach((img, c) => {
      for (let y = 0; y < size; y++) {
        const src = img * per + y * size * channels;
        const dst = ((r * (size + pad) + pad + y) * W + c * (size + pad) + pad) * channels;
        grid.set(pixels.subarray(src, src + size * channels), dst);
      }
    }),
  );
  return new Uint8Array(await sharp(grid, { raw: { width: W, height: H, channels } }).png().toBuffer());
}
