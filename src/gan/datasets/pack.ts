// The packed form of an uploaded dataset: one uint8 image tensor + labels + class names in a single artifact.
import { AppError } from '../../errors.js';

/** Shape and classes of a pack; `classes` empty means unlabelled (every label is 0). */
export interface PackHeader {
  count: number;
  height: number;
  width: number;
  channels: number;
  classes: string[];
}

export interface Pack extends PackHeader {
  /** count * height * width * channels bytes, NHWC row-major. */
  images: Uint8Array;
  /** count bytes. */
  labels: Uint8Array;
}

export class DatasetPackError extends AppError {
  readonly code = 'DATASET_PACK';
  readonly status = 500;
  readonly retry = 'permanent';
}

// 'GFDSPACK', then a uint32 LE header length, the header as JSON, the images and the labels.
const MAGIC = Buffer.from('GFDSPACK', 'latin1');

export function encodePack(pack: Pack): Uint8Array {
  const { count, height, width, channels, classes } = pack;
  if (pack.images.length !== count * height * width * channels || pack.labels.length !== count) {
    throw new DatasetPackError(`pack of ${count} images ${height}x${width}x${channels} has ${pack.images.length} pixel bytes and ${pack.labels.length} labels`);
  }
  const header = Buffer.from(JSON.stringify({ version: 1, count, height, width, channels, classes }), 'utf8');
  const out = new Uint8Array(MAGIC.length + 4 + header.length + pack.images.length + pack.labels.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  let at = MAGIC.length + 4;
  out.set(header, at);
  out.set(pack.images, (at += header.length));
  out.set(pack.labels, at + pack.images.length);
  return out;
}

/** Reads a pack; `what` names it in errors. The arrays are views into `bytes`, not copies. */
export function decodePack(bytes: Uint8Array, what: string): Pack {
  const bad = (problem: string) => new DatasetPackError(`${what}: ${problem}`);
  if (bytes.length < MAGIC.length + 4 || !Buffer.from(bytes.subarray(0, MAGIC.length)).equals(MAGIC)) throw bad('not a dataset pack');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4 + headerLength;
  if (start > bytes.length) throw bad('truncated header');
  let h: PackHeader & { version?: number };
  try {
    h = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length + 4, start)).toString('utf8'));
  } catch {
    throw bad('header is not JSON');
  }
  const dims = [h.count, h.height, h.width, h.channels];
  if (h.version !== 1 || !dims.every((n) => Number.isInteger(n) && n > 0) || !Array.isArray(h.classes)) throw bad('bad header');
  const pixels = h.count * h.height * h.width * h.channels;
  if (bytes.length !== start + pixels + h.count) throw bad(`expected ${start + pixels + h.count} bytes, found ${bytes.length}`);
  return {
    count: h.count,
    height: h.height,
    width: h.width,
    channels: h.channels,
    classes: h.classes.map(String),
    images: bytes.subarray(start, start + pixels),
    labels: bytes.subarray(start + pixels),
  };
}
