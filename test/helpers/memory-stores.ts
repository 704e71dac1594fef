// In-memory stand-ins for the small store surfaces services read (job records, a job's event stream), for unit tests.
import type { JobRecord, JobStatus } from '../../src/contract/job.js';
import type { JobEventName } from '../../src/contract/job.js';
import { jobEventSchemas, type JobEvent, type JobEventData } from '../../src/contract/events.js';
import type { EventLog } from '../../src/jobs/event-log.js';
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

/** A job's events with stream ids `n-0`, checked on append as EventLog checks them. */
export class MemoryEventLog implements Pick<EventLog, 'append' | 'read' | 'lastId'> {
  private readonly streams = new Map<string, JobEvent[]>();
  private seq = 0;

  async append<E extends JobEventName>(jobId: string, event: E, data: JobEventData[E]): Promise<string> {
    jobEventSchemas[event].parse(data);
    const id = `${++this.seq}-0`;
    const stream = this.streams.get(jobId) ?? [];
    stream.push({ id, event, data } as JobEvent);
    this.streams.set(jobId, stream);
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
