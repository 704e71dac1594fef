// Replays a job's event stream and follows it until the job ends: the source behind GET /jobs/:id/events.
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type JobStatus } from '../../contract/job.js';
import type { EventLog, JobEvent } from '../../jobs/event-log.js';
import type { JobStore } from '../../jobs/job-store.js';
import { NotFoundError } from './errors.js';

const BATCH = 500;

export interface FollowOptions {
  /** Stream id to resume after ('0' replays everything). */
  afterId: string;
  pollMs: number;
  signal: AbortSignal;
}

export function isTerminalStatusEvent(e: JobEvent): boolean {
  const status = (e.data as { status?: JobStatus } | null)?.status;
  return e.event === 'status' && typeof status === 'string' && isTerminal(status);
}

export class EventFollower {
  constructor(private readonly deps: { jobs: JobStore; events: EventLog }) {}

  /**
   * Checked before anything is streamed: NotFoundError when the job does not exist; true when the job has finished and
   * has no event after `afterId`, i.e. the stream would be empty (answered with 204, which stops EventSource from
   * reconnecting).
   */
  async isExhausted(jobId: string, afterId: string): Promise<boolean> {
    const record = await this.deps.jobs.get(jobId);
    if (!record) throw new NotFoundError(`no job ${jobId}`);
    return isTerminal(record.status) && (await this.deps.events.read(jobId, afterId, { count: 1 })).length === 0;
  }

  /** Where a stream that starts now resumes from: the newest event's id ('0-0' before the first event). */
  latestId(jobId: string): Promise<string> {
    return this.deps.events.lastId(jobId);
  }

  /**
   * Yields events after `afterId`; returns after a terminal `status` event, after the replay when the job was already
   * finished, when the job disappears, or when `signal` aborts.
   */
  async *follow(jobId: string, opts: FollowOptions): AsyncGenerator<JobEvent> {
    const { jobs, events } = this.deps;
    // The status is read before the replay: a job finished by then has all its events in the stream.
    const before = await jobs.get(jobId);
    if (!before) return;
    let last = opts.afterId;
    for (;;) {
      const batch = await events.read(jobId, last, { count: BATCH });
      for (const e of batch) {
        yield e;
        last = e.id;
        if (isTerminalStatusEvent(e)) return;
      }
      if (batch.length < BATCH) break;
    }
    if (isTerminal(before.status)) return;

    // A record seen finished without its status event gets one more poll, in case the event is a moment behind.
    let finishedSeen = false;
    while (!opts.signal.aborted) {
      try {
        await sleep(opts.pollMs, undefined, { signal: opts.signal });
      } catch {
        return;
      }
      const batch = await events.read(jobId, last, { count: BATCH });
      for (const e of batch) {
        yield e;
        last = e.id;
        if (isTerminalStatusEvent(e)) return;
      }
      if (batch.length > 0) continue;
      const record = await jobs.get(jobId);
      if (!record || isTerminal(record.status)) {
        if (finishedSeen) return;
        finishedSeen = true;
      }
    }
  }
}
