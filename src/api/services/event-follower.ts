// Replays a job's event stream and follows it until the job ends: the source behind GET /jobs/:id/events.
import { isTerminal, type JobStatus } from '../../contract/job.js';
import type { EventLog, JobEvent } from '../../jobs/event-log.js';
import type { JobStore } from '../../jobs/job-store.js';
import type { StreamWatcher } from '../../jobs/stream-watcher.js';
import { NotFoundError } from './errors.js';

const BATCH = 500;
/**
 * With no event for this long, a follower looks at the job record (deleted? ended without its status event?): one
 * read per stream per 15 s while nothing happens.
 */
const CHECK_MS = 15_000;

export interface FollowOptions {
  /** Stream id to resume after ('0' replays everything). */
  afterId: string;
  signal: AbortSignal;
}

function isTerminalStatusEvent(e: JobEvent): boolean {
  const status = (e.data as { status?: JobStatus } | null)?.status;
  return e.event === 'status' && typeof status === 'string' && isTerminal(status);
}

/** What the follower reads: a job's record, its event stream and the shared waker (Redis in the API; in memory in unit tests). */
export interface FollowerDeps {
  jobs: Pick<JobStore, 'get'>;
  events: Pick<EventLog, 'read' | 'lastId' | 'keys'>;
  watcher: Pick<StreamWatcher, 'wait'>;
  /** How long a follower waits without an event before it looks at the job record (default 15 s). */
  checkMs?: number;
}

export class EventFollower {
  constructor(private readonly deps: FollowerDeps) {}

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
   * Yields events after `afterId`; returns after the job's final terminal `status` event, after the replay when the job
   * was already finished, when the job disappears, or when `signal` aborts. A resumed job's stream holds a terminal
   * status followed by more events (its `queued` and the new run): a terminal status ends the stream only when
   * nothing follows it, so a replay runs on to the last one while a live follower still ends on the final status.
   */
  async *follow(jobId: string, opts: FollowOptions): AsyncGenerator<JobEvent> {
    const { jobs } = this.deps;
    // The status is read before the replay: a job finished by then has all its events in the stream.
    const before = await jobs.get(jobId);
    if (!before) return;
    let last = opts.afterId;
    for (;;) {
      const batch = yield* this.batchAfter(jobId, last);
      if (batch.ended) return;
      last = batch.last;
      if (batch.count < BATCH) break;
    }
    // Finished before the replay and still finished: the replay was all of it. Resumed meanwhile: follow the new run.
    if (isTerminal(before.status)) {
      const now = await jobs.get(jobId);
      if (!now || isTerminal(now.status)) return;
    }

    // A record seen finished without its status event gets one more wait, in case the event is a moment behind.
    let finishedSeen = false;
    while (!opts.signal.aborted) {
      // No polling: the shared blocking reader wakes this follower when its stream grows.
      const woken = await this.deps.watcher.wait(this.deps.events.keys.events(jobId), last, this.deps.checkMs ?? CHECK_MS, opts.signal);
      if (opts.signal.aborted) return;
      if (woken) {
        const batch = yield* this.batchAfter(jobId, last);
        if (batch.ended) return;
        last = batch.last;
        if (batch.count > 0) continue;
      }
      const record = await jobs.get(jobId);
      if (!record || isTerminal(record.status)) {
        if (finishedSeen) return;
        finishedSeen = true;
      } else finishedSeen = false;
    }
  }

  /** Yields one read of events after `afterId`, stopping early at the one that ends the stream; says where it got to. */
  private async *batchAfter(jobId: string, afterId: string): AsyncGenerator<JobEvent, { count: number; last: string; ended: boolean }> {
    const batch = await this.deps.events.read(jobId, afterId, { count: BATCH });
    for (const [i, e] of batch.entries()) {
      yield e;
      if (await this.endsStream(jobId, batch, i)) return { count: batch.length, last: e.id, ended: true };
    }
    return { count: batch.length, last: batch.at(-1)?.id ?? afterId, ended: false };
  }

  /** True for a terminal status event that is the newest of the stream (one that later events supersede is not). */
  private async endsStream(jobId: string, batch: JobEvent[], i: number): Promise<boolean> {
    const e = batch[i]!;
    if (!isTerminalStatusEvent(e)) return false;
    if (i < batch.length - 1) return false;
    return (await this.deps.events.read(jobId, e.id, { count: 1 })).length === 0;
  }
}
