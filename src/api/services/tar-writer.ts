// Streams files into a tar archive (tar-stream), pulling each from its source only once the previous one was read.
import { Readable } from 'node:stream';
import tar, { type Pack } from 'tar-stream';

type Sink = ReturnType<Pack['entry']>;

/** A regular file: its whole bytes, or its exact size and its bytes in pieces. */
export type TarEntry = { name: string } & ({ bytes: Uint8Array } | { size: number; chunks: AsyncIterable<Uint8Array> });

/**
 * The archive as a byte stream. Entries are pulled from `entries` one at a time, after the reader has taken the
 * previous one, so at most one file is held in memory. A failing source (or a size that does not match) errors the
 * stream, which the HTTP layer turns into an aborted response: a truncated tar never looks complete.
 */
export function tarStream(entries: AsyncIterable<TarEntry>, mtime: Date): Readable {
  const pack = tar.pack();
  (async () => {
    for await (const entry of entries) await addEntry(pack, entry, mtime);
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));
  // A Node.js stream for fastify; destroying it (the client went away) ends the pack, which stops the loop above.
  return Readable.from(pack, { objectMode: false });
}

function addEntry(pack: Pack, entry: TarEntry, mtime: Date): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const header = { name: entry.name, type: 'file' as const, mode: 0o644, mtime };
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if ('bytes' in entry) {
      // tar-stream takes the bytes as given only from a Buffer (a view, not a copy).
      pack.entry(header, Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength), done);
      return;
    }
    const sink = pack.entry({ ...header, size: entry.size }, done);
    writeChunks(sink, entry.chunks).catch((err: unknown) => sink.destroy(err as Error));
  });
}

async function writeChunks(sink: Sink, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of chunks) {
    if (sink.destroyed) return;
    if (!sink.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          sink.off('drain', go);
          sink.off('close', go);
          resolve();
        };
        sink.on('drain', go);
        sink.on('close', go);
      });
    }
  }
  sink.end(null); // streamx types want an argument; null writes nothing
}
