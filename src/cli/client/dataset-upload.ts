// `ganforge datasets upload PATH`: streams an archive (a directory is packed into a tar on the fly) with a progress bar,
// then follows the worker's processing of it to ready or failed. stdout gets the id (or the record with --json).
import { createReadStream } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import tar from 'tar-stream';
import type { ApiClient } from './api-client.js';
import type { Command } from './client-args.js';
import { UsageError } from '../train-args.js';
import { CliError } from '../cli-failure.js';
import { printable } from './job-format.js';
import { datasetLine, type DatasetResource } from './datasets-commands.js';
import { createPhaseDisplay, fmtBytes, type PhaseDisplay } from './upload-display.js';

const POLL_MS = 500;
const note = (text: string) => void process.stderr.write(`${text}\n`);

const ARCHIVES: [RegExp, string][] = [
  [/\.zip$/i, 'application/zip'],
  [/\.(tar\.gz|tgz)$/i, 'application/gzip'],
  [/\.tar$/i, 'application/x-tar'],
];

/** The regular files under `dir` (symbolic links are not followed), relative, '/'-separated, sorted, with sizes. */
async function filesUnder(dir: string, rel = ''): Promise<{ name: string; size: number }[]> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  const out: { name: string; size: number }[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else if (e.isFile()) out.push({ name: r, size: (await lstat(path.join(dir, r))).size });
  }
  return out;
}

/**
 * Bytes of the tar tarOf makes: a 512-byte header per file, its data padded to 512, two zero blocks at the end. Exact
 * for names that fit a ustar header; longer or non-ASCII ones add a PAX header, so it is an estimate.
 */
const tarBytes = (files: { size: number }[]) => files.reduce((n, f) => n + 512 + Math.ceil(f.size / 512) * 512, 1024);

/** A tar of the directory, produced as it is read: one file in memory at a time. */
function tarOf(dir: string, files: { name: string }[]): Readable {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const f of files) {
        const full = path.join(dir, ...f.name.split('/'));
        const { size } = await lstat(full);
        const entry = pack.entry({ name: f.name, size });
        await new Promise<void>((resolve, reject) => {
          const src = createReadStream(full);
          src.on('error', reject);
          entry.on('error', reject);
          entry.on('finish', () => resolve());
          src.pipe(entry);
        });
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  // tar-stream's streams are streamx ones: Readable.from makes a Node stream of it.
  return Readable.from(pack);
}

/** The body to send, its content type, and its size (known for a file, estimated for a directory). */
async function source(p: string): Promise<{ body: Readable; type: string; total: number }> {
  const info = await stat(p).catch(() => null);
  if (!info) throw new UsageError(`datasets upload: ${p} does not exist`);
  if (info.isDirectory()) {
    const files = await filesUnder(p);
    if (files.length === 0) throw new UsageError(`datasets upload: ${p} holds no files`);
    const total = tarBytes(files);
    note(`packing ${files.length} files from ${p} (a tar of about ${total} bytes)`);
    return { body: tarOf(p, files), type: 'application/x-tar', total };
  }
  const match = ARCHIVES.find(([re]) => re.test(p));
  if (!match) throw new UsageError(`datasets upload: ${p} is not a directory, .zip, .tar, .tar.gz or .tgz`);
  return { body: createReadStream(p), type: match[1], total: info.size };
}

export async function datasetsUpload(
  api: ApiClient,
  cmd: Extract<Command, { name: 'datasets-upload' }>,
  opts: { bar: boolean },
): Promise<number> {
  const { body, type, total } = await source(cmd.path);
  let display: PhaseDisplay = createPhaseDisplay('upload', opts);
  const onSignal = (signal: NodeJS.Signals) => {
    display.stop();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let sent = 0;
    display.update(0, total);
    // Bytes handed to the connection as they are read: the bar follows the upload, a socket buffer ahead.
    body.on('data', (c: Buffer) => display.update((sent += c.length), total));
    const query = new URLSearchParams({ name: cmd.datasetName, size: String(cmd.size), channels: String(cmd.channels) });
    const res = await api.fetch(`datasets?${query}`, {
      method: 'POST',
      headers: { 'content-type': type, accept: 'application/json' },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    let d = (await res.json()) as DatasetResource;
    display.update(sent, sent);
    display.stop();
    note(`uploaded ${fmtBytes(d.uploadBytes ?? sent)}; dataset ${d.id} processing`);

    display = createPhaseDisplay('processing', opts);
    for (;;) {
      if (d.status !== 'failed') display.update(d.progress?.done ?? 0, d.progress?.total ?? null);
      if (d.status !== 'processing') break;
      await sleep(POLL_MS);
      d = await api.json<DatasetResource>('GET', `datasets/${encodeURIComponent(d.id)}`);
    }
    display.stop();
    if (cmd.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
    if (d.status === 'failed') throw new CliError(`dataset ${d.id} failed: ${printable(d.error ?? 'no reason given')}`);
    for (const s of d.skipped?.slice(0, 5) ?? []) note(`skipped ${printable(s.file)}: ${printable(s.reason)}`);
    if ((d.skippedCount ?? 0) > 5) note(`skipped ... ${(d.skippedCount ?? 0) - 5} more (ganforge datasets show ${d.id})`);
    note(datasetLine(d));
    if (!cmd.json) process.stdout.write(`${d.id}\n`);
    return 0;
  } finally {
    display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
