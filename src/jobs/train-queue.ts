// The BullMQ queue of training jobs and the options every job is added with; shared by the API and the worker.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { QUEUE_NAME, type TrainJobData } from '../contract/job.js';

/** A job that fails for a transient reason is retried from its last checkpoint, with backoff. */
export const TRAIN_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export function createTrainQueue(connection: ConnectionOptions, prefix: string): Queue<TrainJobData> {
  return new Queue<TrainJobData>(QUEUE_NAME, { connection, prefix });
}

export async function enqueueTraining(queue: Queue<TrainJobData>, data: TrainJobData): Promise<void> {
  await queue.add('train', data, { ...TRAIN_JOB_OPTIONS, jobId: data.jobId });
}
