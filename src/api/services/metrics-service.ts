// Loss history of a job, as JSON points or CSV rows.
import { metricNames, type LossPoint } from '../../contract/job.js';
import { metricsCsvHeader, metricsCsvRow } from '../../contract/run-directory.js';
import type { MetricsQuery, MetricsStore } from '../../jobs/metrics-store.js';
import type { JobsService } from './jobs-service.js';

export interface MetricsPage {
  jobId: string;
  /** The job's model's metric names: the keys of each point after `iteration`, the CSV columns. */
  names: readonly string[];
  points: LossPoint[];
  nextSince: number | null;
}

export class MetricsService {
  constructor(private readonly deps: { jobs: JobsService; metrics: MetricsStore }) {}

  async read(jobId: string, query: MetricsQuery): Promise<MetricsPage> {
    const record = await this.deps.jobs.get(jobId);
    // Only iterations the job has recorded as complete are read: bytes past them may be stale after a resume.
    const names = metricNames(record.spec.model);
    const { points, nextSince } = await this.deps.metrics.read(jobId, names, record.iteration, query);
    return { jobId, names, points, nextSince };
  }
}

/** The same CSV as the command-line trainer's metrics.csv. */
export function metricsCsv(names: readonly string[], points: LossPoint[]): string {
  return `${metricsCsvHeader(names)}\n${points.map((p) => metricsCsvRow(p, names)).join('')}`;
}
