// Submitting a job straight to the queue (as the API would) and waiting for it to end, for worker tests.
import type { Job, Queue } from 'bullmq';
import { isTerminal, jobSpecSchema, type JobRecord, type JobSpecInput, type TrainJobData } from '../../src/contract/job.js';
import type { JobStore } from '../../src/jobs/job-store.js';
import { enqueueTraining } from '../../src/jobs/train-queue.js';
import { waitUntil } from './processes.js';

/** Records and enqueues a job; `beforeEnqueue` may prepare state (e.g. a checkpoint) the worker will find. */
export async function submitJob(
  jobs: JobStore,
  queue: Queue<TrainJobData>,
  input: JobSpecInput,
  beforeEnqueue?: (id: string) => Promise<void>,
): Promise<string> {
  const spec = jobSpecSchema.parse(input);
  const record = await jobs.create(spec);
  await beforeEnqueue?.(record.id);
  await enqueueTraining(queue, { jobId: record.id, spec });
  return record.id;
}

/** The job's record once its status is completed, failed or cancelled. */
export function jobEnded(jobs: JobStore, id: string, timeoutMs = 120_000): Promise<JobRecord> {
  return waitUntil(async () => {
    const r = await jobs.get(id);
    return r && isTerminal(r.status) && r;
  }, timeoutMs, `job ${id} to end`);
}

/**
 * The BullMQ job once BullMQ itself has moved it to completed or failed. The worker writes our job record before
 * its processor returns, so BullMQ's own bookkeeping (attemptsMade, state) lags the record by a moment.
 */
export function queueSettled(queue: Queue<TrainJobData>, id: string, timeoutMs = 30_000): Promise<Job<TrainJobData>> {
  return waitUntil(async () => {
    const job = await queue.getJob(id);
    const state = await job?.getState();
    return (state === 'completed' || state === 'failed') && job;
  }, timeoutMs, `BullMQ to settle job ${id}`);
}
