// Plain-text renderings of jobs for the terminal: the list table, the status sheet, durations and losses.
import type { JobResource } from './job-types.js';
import type { JobQuality, QualityPoint } from '../../contract/quality.js';
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

/** A model's metrics by name. */
export type Losses = Record<string, number | null>;

/** The metrics of a job's `latest`, without the `quality` point that sits beside them (it has its own line). */
export function lossesOf(latest: JobResource['latest']): Losses | null {
  if (!latest) return null;
  const { quality: _, ...losses } = latest;
  return losses;
}

export function fmtLosses(latest: Losses | null): string {
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

const fixed = (x: number | null, digits: number) => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits));
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** One quality point: `FD 12.31  IS 8.10  labels 97.5%` (labels only for conditional models). */
export function fmtQualityPoint(p: QualityPoint): string {
  const parts = [`FD ${fixed(p.fd, 2)}`];
  if (p.is !== null) parts.push(`IS ${fixed(p.is, 2)}`);
  if (p.labelAccuracy !== null) parts.push(`labels ${percent(p.labelAccuracy)}`);
  return parts.join('  ');
}

/** `ganforge status`'s quality line: the newest point and what it was scored with, or why there is none yet. */
export function fmtQualityStatus({ scorer, points }: JobQuality): string {
  const last = points.at(-1);
  const scored = last ? `${fmtQualityPoint(last)} at ${last.iteration}` : null;
  if (!scorer) return scored ?? 'not scored yet (no checkpoint scored)';
  const kind =
    scorer.kind === 'classifier'
      ? `classifier${scorer.heldOutAccuracy === null ? '' : ` ${percent(scorer.heldOutAccuracy)} held-out`}`
      : 'random features, a weaker proxy';
  switch (scorer.state) {
    case 'ready':
      return scored ? `${scored} (${kind})` : `no checkpoint scored yet (${kind} ready)`;
    case 'pending':
    case 'training': {
      const progress = scorer.progress ? ` ${scorer.progress.done}/${scorer.progress.total}` : '';
      const waiting = `waiting for the classifier (${scorer.state}${progress})`;
      return scored ? `${scored}; ${waiting}` : waiting;
    }
    case 'failed':
      return `${scored ? `${scored}; ` : ''}the scorer failed: ${scorer.reason ?? 'no reason recorded'}`;
    case 'unavailable':
      return `not scored: ${scorer.reason ?? 'no scorer for this dataset'}`;
  }
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

/** The status sheet; `quality` (GET /jobs/:id/quality) adds its line after the losses. */
export function jobSheet(j: JobResource, quality?: JobQuality): string {
  const elapsed = j.startedAt ? ((j.finishedAt ? Date.parse(j.finishedAt) : Date.now()) - Date.parse(j.startedAt)) / 1000 : null;
  const lines: [string, string | null][] = [
    ['id', j.id],
    ['name', printable(j.name)],
    ['status', j.status + (j.cancelRequested && j.status === 'running' ? ' (cancel requested)' : '')],
    ['progress', fmtProgress(j.progress)],
    ['speed', j.status === 'running' ? `${fmtRate(j.progress.itPerSec)} it/s, ETA ${fmtDuration(j.progress.etaSeconds)}` : null],
    ['losses', fmtLosses(lossesOf(j.latest))],
    ['quality', quality ? fmtQualityStatus(quality) : null],
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
