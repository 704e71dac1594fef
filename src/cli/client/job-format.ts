// Plain-text renderings of jobs for the terminal: the list table, the status sheet, durations and losses.
import type { JobResource } from './job-types.js';
import { UNPRINTABLE_CHAR } from '../../contract/text.js';

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function fmtRate(itPerSec: number | null | undefined): string {
  return itPerSec === null || itPerSec === undefined ? '-' : itPerSec.toFixed(1);
}

export function fmtLosses(latest: JobResource['latest']): string {
  if (!latest) return '-';
  const num = (x: number | null | undefined, f: (x: number) => string) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : f(x));
  const loss = (x: number) => x.toFixed(3);
  // The model's metrics: D, its accuracy (models that have one) and G first, then any other (wgan-gp's gp).
  const parts = [`D ${num(latest.dLoss, loss)}`];
  if ('dAcc' in latest) parts.push(`acc ${num(latest.dAcc, (x) => `${(x * 100).toFixed(0)}%`)}`);
  parts.push(`G ${num(latest.gLoss, loss)}`);
  for (const [name, value] of Object.entries(latest)) if (!['dLoss', 'dAcc', 'gLoss'].includes(name)) parts.push(`${name} ${num(value, loss)}`);
  return parts.join('  ');
}

export function fmtProgress({ iteration, iterations }: JobResource['progress']): string {
  const pct = iterations > 0 ? Math.floor((iteration / iterations) * 100) : 0;
  return `${iteration}/${iterations} (${pct}%)`;
}

/** A table with a header row; columns as wide as their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function jobsTable(jobs: JobResource[]): string {
  const running = (j: JobResource) => j.status === 'running';
  return table(
    ['ID', 'NAME', 'STATUS', 'PROGRESS', 'IT/S', 'ETA', 'CREATED'],
    jobs.map((j) => [
      j.id,
      printable(j.name.length > 32 ? `${j.name.slice(0, 31)}…` : j.name),
      j.status,
      fmtProgress(j.progress),
      running(j) ? fmtRate(j.progress.itPerSec) : '-',
      running(j) ? fmtDuration(j.progress.etaSeconds) : '-',
      j.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    ]),
  );
}

export function jobSheet(j: JobResource): string {
  const elapsed = j.startedAt ? ((j.finishedAt ? Date.parse(j.finishedAt) : Date.now()) - Date.parse(j.startedAt)) / 1000 : null;
  const lines: [string, string | null][] = [
    ['id', j.id],
    ['name', printable(j.name)],
    ['status', j.status + (j.cancelRequested && j.status === 'running' ? ' (cancel requested)' : '')],
    ['progress', fmtProgress(j.progress)],
    ['speed', j.status === 'running' ? `${fmtRate(j.progress.itPerSec)} it/s, ETA ${fmtDuration(j.progress.etaSeconds)}` : null],
    ['losses', fmtLosses(j.latest)],
    ['dataset', j.dataset ? `${j.dataset.name} (${j.dataset.count} images from ${j.dataset.source})` : j.spec.dataset],
    ['backend', j.backend ?? '-'],
    ['created', j.createdAt],
    ['started', j.startedAt],
    ['finished', j.finishedAt],
    ['elapsed', elapsed === null ? null : fmtDuration(elapsed)],
    ['error', j.error],
    ['spec', Object.entries(j.spec).filter(([k]) => k !== 'name').map(([k, v]) => `${k}=${v}`).join(' ')],
  ];
  return lines
    .filter((l): l is [string, string] => l[1] !== null)
    .map(([k, v]) => `${k.padEnd(9)} ${v}`)
    .join('\n');
}

/**
 * Names are printable since the API checks them; a record from before that (or another server) must still not move
 * the cursor, clear the screen or reorder the line: controls and bidi overrides show as `?`.
 */
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE_CHAR.source, 'g');
export const printable = (s: string) => s.replace(UNPRINTABLE_ALL, '?');
