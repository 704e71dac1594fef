// Loss history of a job, as JSON points or CSV rows.
import type { LossPoint } from '../../contract/job.js';
import { METRICS_CSV_HEADER, metricsCsvRow } from '../../contract/run-directory.js';
import type { MetricsQuery, MetricsStore } from '../../jobs/metrics-store.js';
import type { JobsService } from './jobs-service.js';

export interface MetricsPage {
  jobId: string;
  points: LossPoint[];
  nextSince: number | null;
}

export class MetricsService {
  constructor(private readonly deps: { jobs: JobsService; metrics: MetricsStore }) {}

  async read(jobId: string, query: MetricsQuery): Promise<MetricsPage> {
    const record = await this.deps.jobs.get(jobId);
    // Only iterations the job has recorded as complete are read: bytes past them may be stale after a resume.
    const { points, nextSince } = await this.deps.metrics.read(jobId, record.iteration, query);
    return { jobId, points, nextSince };
  }
}

/** The same CSV as the command-line trainer's metrics.csv. */
export function metricsCsv(points: LossPoint[]): string {
  return `${METRICS_CSV_HEADER}\n${points.map(metricsCsvRow).join('')}`;
}
