// Sample-quality scores for the API: a job's points and scorer state, and the newest point of each job in a list.
import type { JobQuality, QualityPoint } from '../../contract/quality.js';
import type { QualityStore } from '../../jobs/quality-store.js';
import type { JobsService } from './jobs-service.js';

export class QualityService {
  constructor(private readonly deps: { jobs: JobsService; quality: QualityStore }) {}

  /** GET /jobs/:id/quality: 404 for an unknown job (access to another project's job is refused before this). */
  async read(jobId: string): Promise<JobQuality> {
    await this.deps.jobs.get(jobId);
    return this.deps.quality.jobQuality(jobId);
  }

  /** The newest point of each job, in one Redis round trip whatever the number of jobs. */
  latestOf(jobIds: readonly string[]): Promise<Map<string, QualityPoint | null>> {
    return this.deps.quality.latestOf(jobIds);
  }
}
