// Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzipped, and rejects malformed ones with a one-line reason.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../../errors.js';

/** 'images' is a uint8 3-d IDX file (magic 0x00000803), 'labels' a uint8 1-d one (magic 0x00000801). */
export type IdxKind = 'images' | 'labels';

export interface IdxData {
  dims: number[];
  data: Uint8Array;
}

export interface IdxImagesAndLabels {
  count: number;
  height: number;
  width: number;
  /** count * height * width bytes, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
}

export class IdxFormatError extends AppError {
  readonly code = 'IDX_FORMAT';
  readonly status = 500;
  readonly retry = 'permanent';
  constructor(what: string, problem: string) {
    super(`${what}: ${problem}`);
    this.name = 'IdxFormatError';
  }
}

const UNSIGNED_BYTE = 0x08;
const DIMENSIONS: Record<IdxKind, number> = { images: 3, labels: 1 };
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (n: number, digits: number): string => `0x${n.toString(16).padStart(digits, '0')}`;

function expectedMagic(kind: IdxKind | undefined): string {
  return kind ? hex((UNSIGNED_BYTE << 8) | DIMENSIONS[kind], 8) : '0x000008NN';
}

function gunzip(bytes: Uint8Array, what: string): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    // A plain Uint8Array view, so callers' slice() copies (Buffer#slice would not).
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new IdxFormatError(what, `starts like gzip but is not a valid gzip file (${(err as Error).message})`);
  }
}

/**
 * Parses an IDX file held in memory. `what` names the file in error messages. With `kind`, the file must be a
 * uint8 images (3-d) or labels (1-d) file. The returned data is a view into the (decompressed) input, not a copy.
 */
export function parseIdx(bytes: Uint8Array, what: string, kind?: IdxKind): IdxData {
  // IDX magic numbers start with two zero bytes, so a gzip header (1f 8b) cannot be mistaken for one.
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzip(bytes, what);

  if (bytes.length < 4) {
    throw new IdxFormatError(what, `too short to hold an IDX header (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(what, `wrong magic number: expected ${expectedMagic(kind)}, got ${hex(magic, 8)}`);
  }
  const type = bytes[2];
  const ndims = bytes[3];
  if (type !== UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new IdxFormatError(
      what,
      `unsupported data type ${hex(type, 2)} (${name}); only unsigned byte (0x08) is supported`,
    );
  }
  if (kind && ndims !== DIMENSIONS[kind]) {
    throw new IdxFormatError(
      what,
      `wrong number of dimensions: ${kind} need ${DIMENSIONS[kind]}, file has ${ndims} ` +
        `(magic ${hex(magic, 8)}, expected ${expectedMagic(kind)})`,
    );
  }
  if (ndims === 0) throw new IdxFormatError(what, 'wrong number of dimensions: file declares 0');

  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new IdxFormatError(
      what,
      `too short to hold an IDX header: ${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.length}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));

  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new IdxFormatError(
      what,
      `truncated data: dimensions [${dims.join(', ')}] need ${expected} bytes after the header, file has ${actual}`,
    );
  }
  if (actual > expected) {
    throw new IdxFormatError(
      what,
      `unexpected trailing data: dimensions [${dims.join(', ')}] need ${expected} bytes after the header, file has ${actual}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads and parses one IDX file; file-system errors (e.g. ENOENT) propagate unchanged. */
export async function readIdxFile(path: string, kind?: IdxKind): Promise<IdxData> {
  const bytes = await readFile(path);
  return parseIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path, kind);
}

/** Reads a uint8 images file and its labels file, checking both formats and that their counts agree. */
export async function readIdxPair(imagesPath: string, labelsPath: string): Promise<IdxImagesAndLabels> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath, 'images'), readIdxFile(labelsPath, 'labels')]);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new IdxFormatError(labelsPath, `count mismatch: ${labels.dims[0]} labels but ${count} images in ${imagesPath}`);
  }
  return { count, height, width, images: images.data, labels: labels.data };
}
