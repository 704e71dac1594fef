// `ganforge datasets list|show|delete`, and how a dataset is printed (`datasets upload` is in dataset-upload.ts).
import type { ApiClient } from './api-client.js';
import type { Command } from './client-args.js';
import { printable } from './job-format.js';

export interface DatasetResource {
  id: string;
  name: string;
  builtin: boolean;
  status: 'processing' | 'ready' | 'failed';
  error?: string | null;
  shape: [number, number, number];
  count?: number | null;
  progress?: { done: number; total: number } | null;
  classes: { name: string; count: number | null }[];
  skipped?: { file: string; reason: string }[];
  skippedCount?: number;
  uploadBytes?: number;
  createdAt?: string;
}

const out = (text: string) => void process.stdout.write(`${text}\n`);

/** One line: `dataset ID ready: 6 images, 32x32x3, 2 classes (circles 3, squares 3), 1 file skipped`. */
export function datasetLine(d: DatasetResource): string {
  const classes = d.classes.length
    ? `${d.classes.length} classes (${d.classes.map((c) => `${printable(c.name)} ${c.count}`).join(', ')})`
    : 'unlabelled';
  const skipped = d.skippedCount ? `, ${d.skippedCount} file${d.skippedCount === 1 ? '' : 's'} skipped` : '';
  return `dataset ${d.id} ${d.status}: ${d.count ?? 0} images, ${d.shape.join('x')}, ${classes}${skipped}`;
}

function summary(d: DatasetResource): string {
  const lines = [
    `${printable(d.name)}  ${d.id}`,
    `  status   ${d.status}${d.error ? `: ${printable(d.error)}` : ''}${d.status === 'processing' && d.progress ? ` (${d.progress.done}/${d.progress.total} images)` : ''}`,
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
