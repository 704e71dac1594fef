// `ganforge datasets upload|list|show|delete`: a directory is packed into a tar on the fly and streamed to the API.
import { createReadStream } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { ApiClient } from './api-client.js';
import type { Command } from './client-args.js';
import { UsageError } from '../train-args.js';
import { printable } from './job-format.js';

interface DatasetResource {
  id: string;
  name: string;
  builtin: boolean;
  status: 'processing' | 'ready' | 'failed';
  error?: string | null;
  shape: [number, number, number];
  count?: number | null;
  classes: { name: string; count: number | null }[];
  skipped?: { file: string; reason: string }[];
  skippedCount?: number;
  createdAt?: string;
}

const out = (text: string) => void process.stdout.write(`${text}\n`);
const note = (text: string) => void process.stderr.write(`${text}\n`);

const ARCHIVES: [RegExp, string][] = [
  [/\.zip$/i, 'application/zip'],
  [/\.(tar\.gz|tgz)$/i, 'application/gzip'],
  [/\.tar$/i, 'application/x-tar'],
];

/** The regular files under `dir` (symbolic links are not followed), relative, '/'-separated, sorted. */
async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/** A tar of the directory, produced as it is read: one file in memory at a time. */
function tarOf(dir: string, files: string[]): Readable {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const f of files) {
        const full = path.join(dir, ...f.split('/'));
        const { size } = await lstat(full);
        const entry = pack.entry({ name: f, size });
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

function summary(d: DatasetResource): string {
  const lines = [
    `${printable(d.name)}  ${d.id}`,
    `  status   ${d.status}${d.error ? `: ${printable(d.error)}` : ''}`,
    `  shape    ${d.shape.join('x')}${d.count ? `, ${d.count} images` : ''}`,
  ];
  if (d.classes.length) lines.push(`  classes  ${d.classes.map((c) => (c.count === null ? printable(c.name) : `${printable(c.name)} (${c.count})`)).join(', ')}`);
  else if (!d.builtin && d.status === 'ready') lines.push('  classes  none (unlabelled)');
  if (d.skippedCount) {
    lines.push(`  skipped  ${d.skippedCount} file(s)`);
    for (const s of d.skipped?.slice(0, 5) ?? []) lines.push(`           ${printable(s.file)}: ${printable(s.reason)}`);
  }
  return lines.join('\n');
}

export async function datasetsUpload(api: ApiClient, cmd: Extract<Command, { name: 'datasets-upload' }>): Promise<number> {
  const info = await stat(cmd.path).catch(() => null);
  if (!info) throw new UsageError(`datasets upload: ${cmd.path} does not exist`);
  let body: Readable;
  let type: string;
  if (info.isDirectory()) {
    const files = await filesUnder(cmd.path);
    if (files.length === 0) throw new UsageError(`datasets upload: ${cmd.path} holds no files`);
    note(`packing ${files.length} files from ${cmd.path}`);
    body = tarOf(cmd.path, files);
    type = 'application/x-tar';
  } else {
    const match = ARCHIVES.find(([re]) => re.test(cmd.path));
    if (!match) throw new UsageError(`datasets upload: ${cmd.path} is not a directory, .zip, .tar, .tar.gz or .tgz`);
    body = createReadStream(cmd.path);
    type = match[1];
  }
  let sent = 0;
  const counted = body.on('data', (c: Buffer) => (sent += c.length));
  const query = new URLSearchParams({ name: cmd.datasetName, size: String(cmd.size), channels: String(cmd.channels) });
  const res = await api.fetch(`datasets?${query}`, {
    method: 'POST',
    headers: { 'content-type': type, accept: 'application/json' },
    body: Readable.toWeb(counted) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  let d = (await res.json()) as DatasetResource;
  note(`uploaded ${sent} bytes; dataset ${d.id} processing`);
  while (d.status === 'processing') {
    await new Promise((r) => setTimeout(r, 500));
    d = await api.json<DatasetResource>('GET', `datasets/${d.id}`);
  }
  note(summary(d));
  out(d.id);
  return d.status === 'ready' ? 0 : 1;
}

export async function datasetsList(api: ApiClient, cmd: Extract<Command, { name: 'datasets-list' }>): Promise<number> {
  const { datasets } = await api.json<{ datasets: DatasetResource[] }>('GET', 'datasets');
  if (cmd.json) {
    out(JSON.stringify(datasets, null, 2));
    return 0;
  }
  const rows = datasets.map((d) => [d.id, d.builtin ? 'built-in' : d.status, d.shape.join('x'), d.count == null ? '' : String(d.count), String(d.classes.length), printable(d.name)]);
  const head = ['ID', 'STATUS', 'SHAPE', 'IMAGES', 'CLASSES', 'NAME'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
  return 0;
}

export async function datasetsShow(api: ApiClient, cmd: Extract<Command, { name: 'datasets-show' }>): Promise<number> {
  const d = await api.json<DatasetResource>('GET', `datasets/${encodeURIComponent(cmd.id)}`);
  out(cmd.json ? JSON.stringify(d, null, 2) : summary(d));
  return 0;
}

export async function datasetsDelete(api: ApiClient, cmd: Extract<Command, { name: 'datasets-delete' }>): Promise<number> {
  await api.json('DELETE', `datasets/${encodeURIComponent(cmd.id)}`);
  out(`deleted dataset ${cmd.id}`);
  return 0;
}
