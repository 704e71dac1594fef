// In-memory stand-ins for the small store surfaces services read (job records, a job's event stream), for unit tests.
import type { JobRecord, JobStatus } from '../../src/contract/job.js';
import type { JobEventName } from '../../src/contract/job.js';
import { jobEventSchemas, type JobEvent, type JobEventData } from '../../src/contract/events.js';
import type { EventLog } from '../../src/jobs/event-log.js';
import type { StreamWatcher } from '../../src/jobs/stream-watcher.js';
import { redisKeys } from '../../src/contract/keys.js';
import type { JobStore } from '../../src/jobs/job-store.js';

/** Job records by id; only the fields a test sets are meaningful. */
export class MemoryJobs implements Pick<JobStore, 'get'> {
  readonly records = new Map<string, JobRecord>();

  put(id: string, status: JobStatus): void {
    this.records.set(id, { ...(this.records.get(id) ?? ({ id } as JobRecord)), status });
  }

  async get(id: string): Promise<JobRecord | null> {
    return this.records.get(id) ?? null;
  }
}

/**
 * A job's events with stream ids `n-0`, checked on append as EventLog checks them; also the waker a follower blocks on
 * (StreamWatcher's `wait`), woken by every append.
 */
export class MemoryEventLog implements Pick<EventLog, 'append' | 'read' | 'lastId' | 'keys'>, Pick<StreamWatcher, 'wait'> {
  readonly keys = redisKeys('mem');
  private readonly streams = new Map<string, JobEvent[]>();
  private readonly waiters = new Set<() => void>();
  private seq = 0;

  async wait(key: string, afterId: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const jobId = [...this.streams.keys()].find((id) => this.keys.events(id) === key);
    if (signal.aborted) return false;
    if (jobId !== undefined && (await this.read(jobId, afterId, { count: 1 })).length > 0) return true;
    return new Promise<boolean>((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        this.waiters.delete(waiter);
        resolve(woken);
      };
      const waiter = () => done(true);
      const aborted = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      signal.addEventListener('abort', aborted);
      this.waiters.add(waiter);
    });
  }

  async append<E extends JobEventName>(jobId: string, event: E, data: JobEventData[E]): Promise<string> {
    jobEventSchemas[event].parse(data);
    const id = `${++this.seq}-0`;
    const stream = this.streams.get(jobId) ?? [];
    stream.push({ id, event, data } as JobEvent);
    this.streams.set(jobId, stream);
    for (const wake of [...this.waiters]) wake();
    return id;
  }

  async lastId(jobId: string): Promise<string> {
    return this.streams.get(jobId)?.at(-1)?.id ?? '0-0';
  }

  async read(jobId: string, afterId: string, opts: { count?: number } = {}): Promise<JobEvent[]> {
    const after = Number(afterId.split('-')[0]);
    return (this.streams.get(jobId) ?? []).filter((e) => Number(e.id.split('-')[0]) > after).slice(0, opts.count ?? 500);
  }
}
