// `ganforge watch`: follows a job's events from now (resuming with Last-Event-ID) until it ends; the exit code is the verdict.
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, type JobStatus } from '../../contract/job.js';
import { parseJobEvent } from '../../contract/events.js';
import { ApiClient, ConnectionError } from './api-client.js';
import { fmtDuration, fmtLosses, fmtQualityPoint, lossesOf, type Losses } from './job-format.js';
import type { JobResource } from './job-types.js';
import { readSse, type SseEvent, type SseState } from './sse-parser.js';
import { createWatchDisplay, type WatchDisplay } from './watch-display.js';

/** Reconnections in a row (without an event in between) before watch gives up. */
const MAX_RECONNECTS = 10;
const DEFAULT_RETRY_MS = 2000;

export async function watchJob(api: ApiClient, id: string, opts: { bar: boolean }): Promise<number> {
  const path = `jobs/${encodeURIComponent(id)}`;
  // The stream is opened from now before the job is read: what happens after the read is in it, what came before is
  // not replayed. A job that ends in between ends the stream with its status; one that had ended answers 204.
  let pending: Response | undefined = await openEvents(api, path, undefined, 'now');
  let job: JobResource;
  try {
    job = await api.json<JobResource>('GET', path);
  } catch (err) {
    await pending.body?.cancel().catch(() => undefined);
    throw err;
  }
  process.stdout.write(`watching ${job.name} (${job.id}): ${job.status}, iteration ${job.progress.iteration}/${job.progress.iterations}\n`);
  if (isTerminal(job.status)) {
    await pending.body?.cancel().catch(() => undefined);
    return verdict(job);
  }

  const display = createWatchDisplay({ bar: opts.bar, total: job.progress.iterations, start: job.progress.iteration });
  const onSignal = (signal: NodeJS.Signals) => {
    display.stop();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const follower = new EventHandler(api, display, job);
    const state: SseState = { lastEventId: undefined, retryMs: undefined };
    for (let failures = 0; ; ) {
      let ended: JobStatus | undefined;
      let finished = false;
      try {
        // A reconnect resumes after the last id the stream sent (its opening id line, if no event came yet); without
        // one it replays from the start, and the handler skips what the job had done before the watch began.
        const res = pending ?? (await openEvents(api, path, state.lastEventId, 'start'));
        pending = undefined;
        // 204: the job is over and nothing happened after our last event.
        finished = res.status === 204 || !res.body;
        if (!finished) {
          for await (const event of readSse(res.body!, state)) {
            failures = 0;
            ended = follower.handle(event);
            if (ended) break;
          }
        }
      } catch (err) {
        // A refused connection or a stream cut mid-way; anything the API said (ApiError) ends the watch.
        if (!(err instanceof ConnectionError || isStreamError(err))) throw err;
        if (++failures > MAX_RECONNECTS) throw err instanceof ConnectionError ? err : new ConnectionError(`lost the event stream of job ${id}`);
      }
      if (ended || finished) break;
      // The stream closed without a final status: look before reconnecting, the job may have ended meanwhile.
      job = await api.json<JobResource>('GET', path).catch((err: unknown) => {
        if (err instanceof ConnectionError) return job;
        throw err;
      });
      if (isTerminal(job.status)) break;
      await sleep(state.retryMs ?? DEFAULT_RETRY_MS);
    }
    job = await api.json<JobResource>('GET', path);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    display.stop();
  }
  return verdict(job);
}

/** The job's event stream: after `lastEventId` when given (the API prefers it to `from`), else from the start or now. */
function openEvents(api: ApiClient, path: string, lastEventId: string | undefined, from: 'start' | 'now'): Promise<Response> {
  return api.fetch(`${path}/events?from=${from}`, {
    headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
  });
}

/** Turns events into display updates; returns the status once a terminal one arrives. */
class EventHandler {
  private latest: Losses | null;
  private status: JobStatus;
  /** A replay after a reconnect brings the job's past: samples and checkpoints up to here came before the watch. */
  private readonly seenUpTo: number;
  /**
   * Quality points scored after this (the newest known when the watch began; server times on both sides) are new: a
   * checkpoint is scored after it is saved, so its iteration can be below seenUpTo and the point still new.
   */
  private readonly qualitySince: string;

  constructor(
    private readonly api: ApiClient,
    private readonly display: WatchDisplay,
    job: JobResource,
  ) {
    this.latest = lossesOf(job.latest);
    this.status = job.status;
    this.seenUpTo = job.progress.iteration;
    this.qualitySince = job.latest?.quality?.createdAt ?? '';
  }

  handle(raw: SseEvent): JobStatus | undefined {
    const e = parseJobEvent(raw);
    if (!e) return undefined;
    switch (e.event) {
      case 'progress': {
        const progress = e.data;
        if (progress.iteration >= this.seenUpTo) this.display.progress(progress, this.latest);
        return undefined;
      }
      case 'metrics': {
        const points = e.data.points;
        const last = points[points.length - 1];
        if (last) {
          const { iteration: _, ...latest } = last;
          this.latest = latest;
        }
        return undefined;
      }
      case 'sample': {
        const s = e.data;
        if (s.iteration > this.seenUpTo) this.display.line(`sample     iteration ${s.iteration}  ${this.api.url(s.url).href}`);
        return undefined;
      }
      case 'checkpoint': {
        const c = e.data;
        if (c.iteration > this.seenUpTo) this.display.line(`checkpoint iteration ${c.iteration}  ${(c.size / 1024 / 1024).toFixed(1)} MB`);
        return undefined;
      }
      case 'quality': {
        const q = e.data;
        if (q.createdAt > this.qualitySince) {
          this.display.line(`quality    iteration ${q.iteration}  ${fmtQualityPoint(q)}`);
        }
        return undefined;
      }
      case 'status': {
        const { status } = e.data;
        if (isTerminal(status)) return status;
        if (status !== this.status) this.display.line(`status     ${status}`);
        this.status = status;
        return undefined;
      }
      default:
        return undefined;
    }
  }
}

/** The last line of a watch, and its exit code: 0 only for a completed job. */
function verdict(job: JobResource): number {
  const took = job.startedAt && job.finishedAt ? ` in ${fmtDuration((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000)}` : '';
  const at = `iteration ${job.progress.iteration}/${job.progress.iterations}`;
  switch (job.status) {
    case 'completed':
      process.stdout.write(`completed: ${at}${took}; ${fmtLosses(lossesOf(job.latest))}\n`);
      return 0;
    case 'failed':
      process.stdout.write(`failed at ${at}: ${job.error ?? 'no error recorded'}\n`);
      return 1;
    case 'cancelled':
      process.stdout.write(`cancelled at ${at}\n`);
      return 1;
    default:
      // Not reached: callers only come here once the job has ended.
      process.stdout.write(`${job.status} at ${at}\n`);
      return 1;
  }
}

/** undici reports a body cut mid-stream as TypeError('terminated') with a socket error as its cause. */
function isStreamError(err: unknown): boolean {
  return err instanceof TypeError && /terminated|other side closed|socket/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`);
}
