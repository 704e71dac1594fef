// Artifact store on the local filesystem (or a shared volume): write to a temp file, fsync, rename.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { assertValidKey, StorageError, type ArtifactStat, type ArtifactStore } from './artifact-store.js';

export class FsArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  private file(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, bytes: Uint8Array): Promise<ArtifactStat> {
    return this.putStream(key, [bytes]);
  }

  /** Write to a temp file, fsync, rename: readers never see a partial file. */
  async putStream(key: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<ArtifactStat> {
    const target = this.file(key);
    const tmp = `${target}.tmp-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
    const hash = crypto.createHash('sha256');
    let size = 0;
    let sourceError: unknown;
    try {
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const handle = await fs.open(tmp, 'w', 0o600);
      // The source's own errors (a limit, a client gone) pass through as they are; only ours become StorageErrors.
      const chunks = async function* () {
        try {
          for await (const chunk of source) yield chunk;
        } catch (err) {
          sourceError = err;
          throw err;
        }
      };
      try {
        for await (const chunk of chunks()) {
          hash.update(chunk);
          size += chunk.byteLength;
          for (let at = 0; at < chunk.byteLength; ) at += (await handle.write(chunk, at)).bytesWritten;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => {});
      if (sourceError !== undefined) throw sourceError;
      throw new StorageError(`cannot write artifact ${key} under ${this.root}: ${(err as Error).message}`, {
        cause: err,
        transient: isTransient(err),
      });
    }
    return { size, etag: `"${hash.digest('base64url').slice(0, 27)}"` };
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await fs.readFile(this.file(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StorageError(`cannot read artifact ${key} under ${this.root}: ${(err as Error).message}`, {
        cause: err,
        transient: isTransient(err),
      });
    }
  }

  async stat(key: string): Promise<ArtifactStat | null> {
    const bytes = await this.get(key);
    return bytes && { size: bytes.byteLength, etag: etagOf(bytes) };
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.file(prefix);
    const out: string[] = [];
    const walk = async (d: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(d, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        if (e.name.includes('.tmp-')) continue;
        if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}/${e.name}`);
        else out.push(`${rel}/${e.name}`);
      }
    };
    await walk(dir, prefix);
    return out.sort();
  }

  async deletePrefix(prefix: string): Promise<void> {
    await fs.rm(this.file(prefix), { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}

export function etagOf(bytes: Uint8Array): string {
  return `"${crypto.createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}

/** Full, read-only or forbidden storage needs an operator; other errors (EIO, EBUSY, EMFILE, ...) may pass. */
const OPERATOR_NEEDED = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG']);
function isTransient(err: unknown): boolean {
  return !OPERATOR_NEEDED.has((err as NodeJS.ErrnoException).code ?? '');
}
