// `ganforge compare ID ID ...`: 2 to 8 jobs side by side: final losses, best FD and where, final IS, speed, duration.
import type { ApiClient } from './api-client.js';
import type { Command } from './client-args.js';
import type { JobQuality } from '../../contract/quality.js';
import { fmtDuration, fmtLosses, fmtRate, printable, table, type Losses } from './job-format.js';
import type { JobList, JobResource } from './job-types.js';

/** The final losses are the mean of this many last iterations: one iteration's losses are noise. */
export const FINAL_WINDOW = 100;

interface MetricsPage {
  names: string[];
  points: ({ iteration: number } & Record<string, number | null>)[];
}

export interface Comparison {
  id: string;
  name: string;
  model: string;
  dataset: string;
  status: string;
  iterations: number;
  /** Each metric's mean over the last FINAL_WINDOW iterations (finite values only); null when none. */
  finalLosses: Losses | null;
  bestFd: { fd: number; iteration: number } | null;
  /** IS of the newest quality point. */
  finalIs: number | null;
  /** The recent speed while running; else iterations per second of wall clock since the run started. */
  itPerSec: number | null;
  durationSeconds: number | null;
}

export async function compare(api: ApiClient, cmd: Extract<Command, { name: 'compare' }>): Promise<number> {
  const { jobs } = await api.json<JobList>('GET', `jobs?ids=${cmd.ids.join(',')}`);
  const rows = await Promise.all(jobs.map((job) => comparisonOf(api, job)));
  if (cmd.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else process.stdout.write(`${compareTable(rows)}\n`);
  return 0;
}

async function comparisonOf(api: ApiClient, job: JobResource): Promise<Comparison> {
  const path = `jobs/${encodeURIComponent(job.id)}`;
  const since = Math.max(0, job.progress.iteration - FINAL_WINDOW);
  const [metrics, quality] = await Promise.all([
    api.json<MetricsPage>('GET', `${path}/metrics?since=${since}&limit=${FINAL_WINDOW}`),
    api.json<JobQuality>('GET', `${path}/quality`),
  ]);
  const end = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
  const durationSeconds = job.startedAt ? Math.max(0, (end - Date.parse(job.startedAt)) / 1000) : null;
  const best = quality.points.reduce<JobQuality['points'][number] | null>((b, p) => (b === null || p.fd < b.fd ? p : b), null);
  return {
    id: job.id,
    name: job.name,
    model: job.spec.model,
    dataset: job.spec.dataset,
    status: job.status,
    iterations: job.progress.iteration,
    finalLosses: meanLosses(metrics),
    bestFd: best && { fd: best.fd, iteration: best.iteration },
    finalIs: quality.points.at(-1)?.is ?? null,
    itPerSec: job.progress.itPerSec ?? (durationSeconds ? job.progress.iteration / durationSeconds : null),
    durationSeconds,
  };
}

function meanLosses({ names, points }: MetricsPage): Losses | null {
  if (points.length === 0) return null;
  const mean = (name: string) => {
    const values = points.map((p) => p[name]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
  };
  return Object.fromEntries(names.map((name) => [name, mean(name)]));
}

export function compareTable(rows: Comparison[]): string {
  const name = (n: string) => printable(n.length > 24 ? `${n.slice(0, 23)}…` : n);
  return table(
    ['ID', 'NAME', 'MODEL', 'DATASET', 'ITERS', `LOSSES (mean of last ${FINAL_WINDOW})`, 'BEST FD', 'FINAL IS', 'IT/S', 'DURATION'],
    rows.map((r) => [
      r.id.slice(0, 8),
      name(r.name),
      r.model,
      printable(r.dataset),
      String(r.iterations),
      fmtLosses(r.finalLosses),
      r.bestFd ? `${r.bestFd.fd.toFixed(2)} @ ${r.bestFd.iteration}` : '-',
      r.finalIs === null ? '-' : r.finalIs.toFixed(2),
      fmtRate(r.itPerSec),
      fmtDuration(r.durationSeconds),
    ]),
  );
}
