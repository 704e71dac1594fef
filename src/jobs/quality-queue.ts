// The BullMQ queue of quality work (a dataset's classifier, a saved checkpoint's score); the workers and the API add to it.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { QUALITY_QUEUE_NAME, type QualityJobData } from '../contract/quality.js';

/**
 * Removed when done, so that a checkpoint can be scored again on demand under the same id; while one is queued or
 * running, adding the same id again is a no-op (a dataset's classifier is queued once, however many jobs ask).
 */
export const QUALITY_JOB_OPTIONS: JobsOptions = {
  attempts: 2,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600 },
};

export function createQualityQueue(connection: ConnectionOptions, prefix: string): Queue<QualityJobData> {
  return new Queue<QualityJobData>(QUALITY_QUEUE_NAME, { connection, prefix });
}

/** BullMQ ids: a classifier by its dataset's hash, a score by job and iteration (ids may not hold ':'). */
export const qualityJobId = (data: QualityJobData): string =>
  data.kind === 'classifier' ? `classifier-${data.datasetHash}` : `score-${data.jobId}-${data.iteration}`;

export async function enqueueQuality(queue: Queue<QualityJobData>, data: QualityJobData): Promise<void> {
  // A failed job with this id would block a new one: removed first (a no-op when there is none or it is active).
  const id = qualityJobId(data);
  const existing = await queue.getJob(id);
  if (existing && (await existing.isFailed())) await existing.remove().catch(() => undefined);
  await queue.add(data.kind, data, { ...QUALITY_JOB_OPTIONS, jobId: id });
}
