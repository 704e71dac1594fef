// Turns an uploaded archive into a dataset pack: decode each image (or IDX file), label it, and draw a preview grid.
import sharp from 'sharp';
import { encodePack } from '../gan/datasets/pack.js';
import { readArchive, DatasetArchiveError, type ArchiveLimits } from './archive-entries.js';
import { decodeImage } from './image-decode.js';
import { idxImage, looksLikeIdx, pairIdxFiles, type IdxSet } from './idx-archive.js';
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
  /** The last progress reported: every image decoded. */
  progress: { done: number; total: number };
}

const MAX_CLASSES = 256;

/** Hidden files and the folders macOS adds to archives are not images (`./x.png`, from `tar -C dir .`, is not hidden). */
const hidden = (name: string) => name.split('/').some((p) => (p.startsWith('.') && p !== '.') || p === '__MACOSX');

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

/** Called as images are decoded: `done` (kept or skipped) of `total`; awaited, so the caller may write it somewhere. */
export type ProgressListener = (progress: { done: number; total: number }) => void | Promise<void>;

/** Images in pack order with their class index, and the classes' names with counts. */
interface Collected {
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array;
  classes: { name: string; count: number }[];
}

/**
 * An archive holding an IDX images file is read as IDX (labels from its labels file, classes named by value); its
 * other files are skipped. Otherwise every file is tried as an image, labelled by its folder.
 */
export async function buildDataset(bytes: Uint8Array, format: ArchiveFormat, opts: BuildOptions, onProgress?: ProgressListener): Promise<BuiltDataset> {
  const entries = await readArchive(bytes, format, opts);
  const skipped: { file: string; reason: string }[] = [];
  const files: { name: string; data: Buffer }[] = [];
  for (const e of entries) {
    if ('skipped' in e) skipped.push({ file: e.name, reason: e.skipped });
    else if (hidden(e.name)) skipped.push({ file: e.name, reason: 'hidden file' });
    else files.push(e);
  }
  let last = { done: 0, total: 0 };
  const progress: ProgressListener = (p) => {
    last = p;
    return onProgress?.(p);
  };
  const idx = pairIdxFiles(files.filter((f) => looksLikeIdx(f.data)), opts);
  // Labels files without images are skipped with that reason, not tried as pictures.
  skipped.push(...idx.skipped);
  const used = new Set([...idx.skipped.map((k) => k.file), ...idx.sets.flatMap((s) => [s.imagesFile, s.labelsFile ?? ''])]);
  const rest = files.filter((f) => !used.has(f.name));
  let collected: Collected;
  if (idx.sets.length > 0) {
    for (const f of rest) skipped.push({ file: f.name, reason: 'not used: the archive holds IDX files' });
    collected = await fromIdx(idx.sets, opts, progress);
  } else {
    collected = await fromImages(rest, skipped, opts, progress);
  }
  if (collected.count === 0) {
    const why = skipped.length ? `; ${skipped.length} files skipped, e.g. ${skipped[0].file}: ${skipped[0].reason}` : '';
    throw new DatasetArchiveError(`the archive holds no usable PNG, JPEG or WebP image${why}`);
  }
  const { count, pixels, labels, classes } = collected;
  const names = classes.map((c) => c.name);
  const pack = encodePack({ count, height: opts.size, width: opts.size, channels: opts.channels, classes: names, images: pixels, labels });
  const preview = await renderPreview(pixels, labels, names.length, opts);
  return { pack, preview, count, classes, skipped, progress: last };
}

async function fromImages(files: { name: string; data: Buffer }[], skipped: BuiltDataset['skipped'], opts: BuildOptions, progress: ProgressListener): Promise<Collected> {
  const images: { name: string; pixels: Buffer }[] = [];
  await progress({ done: 0, total: files.length });
  for (const [i, e] of files.entries()) {
    const d = await decodeImage(e.data, opts);
    if ('skipped' in d) skipped.push({ file: e.name, reason: d.skipped });
    else images.push({ name: e.name, pixels: d.pixels });
    await progress({ done: i + 1, total: files.length });
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
  const classes = names.map((name) => ({ name, count: kept.filter((k) => k.label === name).length }));
  return { count: kept.length, pixels, labels: labelBytes, classes };
}

/** IDX sets in name order, images in file order; classes are the label values in numeric order, named "0", "1", ... */
async function fromIdx(sets: IdxSet[], opts: BuildOptions, progress: ProgressListener): Promise<Collected> {
  const total = sets.reduce((n, s) => n + s.count, 0);
  const per = opts.size * opts.size * opts.channels;
  const pixels = new Uint8Array(total * per);
  const counts = new Array<number>(256).fill(0);
  for (const s of sets) for (const v of s.labels ?? []) counts[v]++;
  const values = counts.flatMap((n, v) => (n > 0 ? [v] : []));
  const index = new Map(values.map((v, i) => [v, i]));
  const labels = new Uint8Array(total);
  let done = 0;
  await progress({ done, total });
  for (const s of sets) {
    for (let i = 0; i < s.count; i++, done++) {
      pixels.set(await idxImage(s, i, opts.size, opts.channels), done * per);
      if (s.labels) labels[done] = index.get(s.labels[i])!;
      await progress({ done: done + 1, total });
    }
  }
  return { count: total, pixels, labels, classes: values.map((v) => ({ name: String(v), count: counts[v] })) };
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
