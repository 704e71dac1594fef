// Reads the files of an uploaded archive (zip, tar, tar.gz) from memory, with limits; never writes anything to disk.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as bufferConstants } from 'node:buffer';
import { createGunzip, gunzipSync } from 'node:zlib';
import yauzl from 'yauzl';
import tar from 'tar-stream';
import { AppError } from '../errors.js';
import type { ArchiveFormat } from '../contract/dataset.js';

/** The archive as a whole cannot be used: corrupt, truncated, or over a limit. */
export class DatasetArchiveError extends AppError {
  readonly code = 'DATASET_ARCHIVE';
  readonly status = 422;
  readonly retry = 'permanent';
}

export interface ArchiveLimits {
  /** Entries of any kind (files, folders, links). */
  maxEntries: number;
  /** Bytes all entries unpack to (and, for tar.gz, the tar itself). */
  maxUnpackedBytes: number;
  /** Unpacked / packed bytes of one zip entry, or of a whole gzip stream, beyond which it counts as a bomb. */
  maxRatio: number;
}

/** A regular file with a safe name and its bytes, or an entry not read, with the reason. */
export type ArchiveEntry = { name: string; data: Buffer } | { name: string; skipped: string };

// Small files compress well for honest reasons (tar padding, flat images): the ratio counts past this size only.
const RATIO_FLOOR = 1024 * 1024;

/** Why a name is not safe to use as a path, or null. Names are only ever used as labels, but such entries are suspicious. */
export function unsafeName(name: string): string | null {
  if (name.includes('\0')) return 'unsafe name (NUL byte)';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) return 'unsafe name (absolute path)';
  if (name.split(/[\\/]/).some((part) => part === '..')) return 'unsafe name (path traversal)';
  return null;
}

/** Printable form of a name for the skipped list. */
// eslint-disable-next-line no-control-regex -- replacing control characters is the point
const shown = (name: string) => name.replace(/[\0-\x1f\x7f]/g, '?').slice(0, 300);

class Budget {
  entries = 0;
  bytes = 0;
  constructor(readonly limits: ArchiveLimits) {}
  entry(): void {
    if (++this.entries > this.limits.maxEntries) {
      throw new DatasetArchiveError(`the archive holds more than ${this.limits.maxEntries} entries (GANFORGE_DATASET_MAX_ENTRIES)`);
    }
  }
  add(n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxUnpackedBytes) {
      throw new DatasetArchiveError(`the archive unpacks to more than ${this.limits.maxUnpackedBytes} bytes (GANFORGE_DATASET_MAX_UNPACKED_BYTES)`);
    }
  }
  ratio(unpacked: number, packed: number, what: string): void {
    if (unpacked > RATIO_FLOOR && unpacked / Math.max(packed, 1) > this.limits.maxRatio) {
      throw new DatasetArchiveError(`${what} expands ${Math.round(unpacked / Math.max(packed, 1))}-fold, more than ${this.limits.maxRatio} (a zip bomb?)`);
    }
  }
}

export async function readArchive(bytes: Uint8Array, format: ArchiveFormat, limits: ArchiveLimits): Promise<ArchiveEntry[]> {
  const budget = new Budget(limits);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const entries = format === 'zip' ? await readZip(buf, budget) : await readTar(buf, format === 'tar.gz', budget);
    return entries.map((e) => ('data' in e && /\.gz$/i.test(e.name) ? gunzipMember(e.name, e.data, budget) : e));
  } catch (err) {
    if (err instanceof DatasetArchiveError) throw err;
    throw new DatasetArchiveError(`not a valid ${format} archive: ${(err as Error).message}`);
  }
}

/**
 * A gzipped member (`train-images-idx3-ubyte.gz`) is unpacked in memory under the same budget: inflating stops as
 * soon as it would pass what is left of the unpacked bytes or the ratio, so a small bomb never allocates its claim.
 */
function gunzipMember(name: string, data: Buffer, budget: Budget): ArchiveEntry {
  const room = budget.limits.maxUnpackedBytes - budget.bytes;
  const byRatio = Math.max(RATIO_FLOOR, data.length * budget.limits.maxRatio);
  const cap = Math.min(room, byRatio, bufferConstants.MAX_LENGTH - 1);
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: cap + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
      return { name, skipped: `not a valid gzip file (${(err as Error).message.split('\n')[0].slice(0, 120)})` };
    }
    out = Buffer.alloc(0);
    // Over the cap: name the limit that set it.
    if (cap === room) budget.add(room + 1);
    budget.ratio(Math.max(RATIO_FLOOR + 1, cap + 1), data.length, name);
    budget.add(Infinity);
  }
  budget.ratio(out.length, data.length, name);
  budget.add(out.length);
  return { name, data: out };
}

function readZip(buf: Buffer, budget: Budget): Promise<ArchiveEntry[]> {
  return new Promise((resolve, reject) => {
    // decodeStrings false: names come as bytes and are checked here, so one bad name skips that entry, not the archive.
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open'));
      const out: ArchiveEntry[] = [];
      const fail = (e: unknown) => {
        zip.close();
        reject(e);
      };
      zip.on('error', fail);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          budget.entry();
          const name = (entry.fileName as unknown as Buffer).toString('utf8');
          const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
          const next = () => zip.readEntry();
          if (name.endsWith('/')) return next();
          const unsafe = unsafeName(name);
          if (unsafe) return out.push({ name: shown(name), skipped: unsafe }), next();
          if (mode === 0o120000) return out.push({ name, skipped: 'symbolic link' }), next();
          if (mode !== 0 && mode !== 0o100000) return out.push({ name, skipped: 'not a regular file' }), next();
          budget.ratio(entry.uncompressedSize, entry.compressedSize, name);
          // The declared size first (validateEntrySizes holds the data to it), so a bomb is refused before inflating.
          budget.add(entry.uncompressedSize);
          zip.openReadStream(entry, (e, stream) => {
            if (e || !stream) return fail(e);
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('error', fail);
            stream.on('end', () => {
              out.push({ name, data: Buffer.concat(chunks) });
              next();
            });
          });
        } catch (e) {
          fail(e);
        }
      });
      zip.readEntry();
    });
  });
}

async function readTar(buf: Buffer, gzipped: boolean, budget: Budget): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      budget.entry();
      const { name, type, size } = entry.header;
      let skipped: string | null = unsafeName(name);
      if (!skipped && (type === 'symlink' || type === 'link')) skipped = type === 'symlink' ? 'symbolic link' : 'hard link';
      if (!skipped && type !== 'file' && type !== 'contiguous-file') skipped = type === 'directory' ? '' : 'not a regular file';
      if (skipped !== null) {
        entry.resume();
        if (skipped) out.push({ name: shown(name), skipped });
        continue;
      }
      budget.add(size ?? 0);
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({ name, data: Buffer.concat(chunks) });
    }
  })();
  // A rejection of `done` before the pipeline ends must not go unhandled.
  done.catch(() => {});
  let unpacked = 0;
  const counted = new Writable({
    write(chunk: Buffer, _enc, cb) {
      unpacked += chunk.length;
      try {
        if (gzipped) budget.ratio(unpacked, buf.length, 'the gzip stream');
        if (unpacked > budget.limits.maxUnpackedBytes) budget.add(Infinity);
      } catch (e) {
        return cb(e as Error);
      }
      if (!extract.write(chunk)) extract.once('drain', () => cb());
      else cb();
    },
    final(cb) {
      extract.end(undefined as never);
      cb();
    },
  });
  const stages: NodeJS.ReadableStream[] = [Readable.from([buf])];
  if (gzipped) stages.push(createGunzip());
  try {
    await pipeline([...stages, counted] as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream]);
  } catch (err) {
    extract.destroy(err as Error);
    throw err;
  }
  await done;
  return out;
}
