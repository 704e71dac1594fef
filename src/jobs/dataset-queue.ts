// The BullMQ queue of uploaded datasets waiting to be processed; shared by the API (adds) and the worker (processes).
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { DATASET_QUEUE_NAME, type DatasetJobData } from '../contract/dataset.js';

/** A storage blip is retried; a bad archive fails at once (DatasetArchiveError is permanent). */
export const DATASET_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function createDatasetQueue(connection: ConnectionOptions, prefix: string): Queue<DatasetJobData> {
  return new Queue<DatasetJobData>(DATASET_QUEUE_NAME, { connection, prefix });
}

export async function enqueueDataset(queue: Queue<DatasetJobData>, data: DatasetJobData): Promise<void> {
  await queue.add('process', data, { ...DATASET_JOB_OPTIONS, jobId: data.datasetId });
}
