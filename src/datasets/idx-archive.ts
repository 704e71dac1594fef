// The IDX files of an uploaded archive (MNIST's format: images, optionally labels, gzipped members already unpacked)
// paired into sets, checked against the limits, and converted to size x size images like any other upload.
import sharp from 'sharp';
import { IdxFormatError, parseIdx } from '../gan/datasets/idx.js';
import { DatasetArchiveError } from './archive-entries.js';

export interface IdxLimits {
  /** At most this many images in all (GANFORGE_DATASET_MAX_ENTRIES: an image of an IDX file counts as an entry). */
  maxEntries: number;
  /** Pixels one image may have (GANFORGE_DATASET_MAX_PIXELS). */
  maxPixels: number;
}

/** An images file and the labels file paired with it, parsed (views into the member's bytes). */
export interface IdxSet {
  imagesFile: string;
  labelsFile: string | null;
  count: number;
  height: number;
  width: number;
  images: Uint8Array;
  labels: Uint8Array | null;
}

/**
 * An IDX magic number: two zero bytes, a data type (0x08-0x0e) and 1 to 3 dimensions. PNG, JPEG and WebP never start
 * so; a file that does is taken for IDX, and fails the dataset with the reason if it is not a valid uint8 one.
 */
export const looksLikeIdx = (data: Uint8Array): boolean =>
  data.length >= 4 && data[0] === 0 && data[1] === 0 && data[2] >= 0x08 && data[2] <= 0x0e && data[3] >= 1 && data[3] <= 3;

/** `train-images-idx3-ubyte` and `train-labels-idx1-ubyte` (any case, any folder, .gz or not) share a key. */
const pairKey = (name: string) =>
  (name.split('/').pop() ?? name)
    .toLowerCase()
    .replace(/\.gz$/, '')
    .replace(/images?|labels?/g, '*')
    .replace(/idx[13]/g, 'idx');

/**
 * Parses the IDX members and pairs each images file (3 dimensions) with its labels file (1 dimension): the only
 * labels file when there is one images file, else the one whose name matches (`t10k-images...` / `t10k-labels...`).
 * Returns no sets when there is no images file. A malformed file, a count mismatch, or sets of which some are
 * labelled and some not fail the dataset; a labels file without images is skipped with the reason.
 */
export function pairIdxFiles(
  files: { name: string; data: Uint8Array }[],
  limits: IdxLimits,
): { sets: IdxSet[]; skipped: { file: string; reason: string }[] } {
  const images: { name: string; dims: number[]; data: Uint8Array }[] = [];
  const labels: { name: string; dims: number[]; data: Uint8Array }[] = [];
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const parsed = parseIdx(f.data, f.name);
    if (parsed.dims.length === 3) images.push({ name: f.name, ...parsed });
    else if (parsed.dims.length === 1) labels.push({ name: f.name, ...parsed });
    else throw new IdxFormatError(f.name, `${parsed.dims.length} dimensions: neither images (3) nor labels (1)`);
  }
  const skipped: { file: string; reason: string }[] = [];
  const used = new Set<string>();
  const sets = images.map((img): IdxSet => {
    const [count, height, width] = img.dims;
    if (height === 0 || width === 0) throw new IdxFormatError(img.name, `images of ${height}x${width} pixels`);
    if (height * width > limits.maxPixels) {
      throw new IdxFormatError(img.name, `images of ${height}x${width} pixels are over the limit of ${limits.maxPixels} (GANFORGE_DATASET_MAX_PIXELS)`);
    }
    const match = images.length === 1 && labels.length === 1 ? labels : labels.filter((l) => pairKey(l.name) === pairKey(img.name));
    if (match.length > 1) throw new DatasetArchiveError(`${img.name}: ${match.length} IDX labels files match it (${match.map((m) => m.name).join(', ')})`);
    const lab = match[0];
    if (lab) {
      used.add(lab.name);
      if (lab.dims[0] !== count) throw new IdxFormatError(lab.name, `count mismatch: ${lab.dims[0]} labels but ${count} images in ${img.name}`);
    }
    return { imagesFile: img.name, labelsFile: lab?.name ?? null, count, height, width, images: img.data, labels: lab?.data ?? null };
  });
  for (const l of labels) if (!used.has(l.name)) skipped.push({ file: l.name, reason: 'IDX labels without a matching IDX images file' });
  const labelled = sets.filter((s) => s.labels);
  if (labelled.length > 0 && labelled.length < sets.length) {
    const bare = sets.find((s) => !s.labels)!;
    throw new DatasetArchiveError(`${bare.imagesFile} has no IDX labels file but ${labelled[0].imagesFile} has; label all IDX images files or none`);
  }
  const total = sets.reduce((n, s) => n + s.count, 0);
  if (total > limits.maxEntries) {
    throw new DatasetArchiveError(`the IDX files hold ${total} images, more than ${limits.maxEntries} (GANFORGE_DATASET_MAX_ENTRIES)`);
  }
  return { sets, skipped };
}

/**
 * Image `i` of a set as size x size grayscale or RGB bytes: copied when it is that size already, else resized with a
 * centre crop like an uploaded picture (the gray value repeated for RGB).
 */
export async function idxImage(set: IdxSet, i: number, size: number, channels: 1 | 3): Promise<Uint8Array> {
  const { height, width } = set;
  const src = set.images.subarray(i * height * width, (i + 1) * height * width);
  const gray =
    height === size && width === size
      ? src
      : new Uint8Array(
          await sharp(src, { raw: { width, height, channels: 1 } })
            .resize(size, size, { fit: 'cover', position: 'centre' })
            .extractChannel(0)
            .raw()
            .toBuffer(),
        );
  if (channels === 1) return gray;
  const rgb = new Uint8Array(gray.length * 3);
  for (let p = 0; p < gray.length; p++) rgb.fill(gray[p], p * 3, p * 3 + 3);
  return rgb;
}
