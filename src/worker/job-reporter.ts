// Adapts the engine's callbacks to Redis and the artifact store: metrics batches, samples, checkpoints, progress.
import type { JobStore } from '../jobs/job-store.js';
import type { MetricsStore } from '../jobs/metrics-store.js';
import type { EventLog } from '../jobs/event-log.js';
import type { ArtifactIndex } from '../jobs/artifact-index.js';
import { metricNames, type LossPoint } from '../contract/job.js';
import type { TrainerEvents } from '../gan/trainer.js';
import { StoredBytesQuotaError, formatBytes } from '../jobs/quota.js';

export interface ReporterDeps {
  jobs: JobStore;
  metrics: MetricsStore;
  events: EventLog;
  artifacts: ArtifactIndex;
  activity: WorkerActivity;
  /** The project quotas a worker enforces (0: none); see jobs/quota.ts. */
  quota?: { storedBytes: number; maxRuntimeSeconds: number };
}

/** What the reporter enforces for this job: its project's stored bytes, and when its run must stop. */
export interface ReporterLimits {
  project: string;
  /** ms since the epoch; null for no limit. */
  deadline: number | null;
}

/** The job a reporter reports for, as the train processor knows it when the run starts. */
export interface ReportedJob {
  jobId: string;
  /** The run's total iterations. */
  iterations: number;
  /** The iteration the run starts from (a resumed checkpoint's, or 0). */
  startIteration: number;
  /** Iterations already published as metrics events before a resume: not published twice. */
  publishedUpTo: number;
  /** Checked before every write: false once this worker no longer owns the job. Default: always. */
  ownsJob?: () => Promise<boolean>;
  /** The job's keepCheckpoints: older checkpoints are deleted after each new one. */
  keepCheckpoints?: number;
  limits?: ReporterLimits;
  /** The job's model's metric names (default: gan's). */
  names?: readonly string[];
}

/** What the worker's heartbeat learns from the job it trains. */
export interface WorkerActivity {
  progress(jobId: string, iteration: number, itPerSec: number | null): void;
  /** Seconds the engine spent on one training step (reporting excluded). */
  observeStep(seconds: number): void;
  idle(): void;
}

/** How often buffered metrics reach Redis (and the cancel flag is read). */
const FLUSH_MS = 1000;

export class JobReporter {
  private buffer: LossPoint[] = [];
  /** 0: the first iteration is reported at once, so a cancel that raced the pick-up stops the run there. */
  private lastFlush = 0;
  private rateFrom: { at: number; iteration: number };
  private itPerSec: number | null = null;
  /** When the engine got control back after the last callback; the first step (warm-up) is not timed. */
  private stepFrom: number | null = null;
  readonly abort = new AbortController();
  /** Set when the job record is gone (deleted) or a cancel was requested. */
  stopReason: 'cancelled' | 'deleted' | 'lost' | 'timeout' | null = null;
  /** Runs after a checkpoint is saved and announced (the job's quality score); its time is not counted as a step's. */
  afterCheckpoint?: (iteration: number) => Promise<void>;

  private readonly jobId: string;
  private readonly iterations: number;
  /** Iterations already published as metrics events before a resume: not published twice. */
  private publishedUpTo: number;
  private readonly ownsJob: () => Promise<boolean>;
  private readonly keepCheckpoints: number | undefined;
  private readonly limits: ReporterLimits;
  private readonly names: readonly string[];

  constructor(
    private readonly deps: ReporterDeps,
    job: ReportedJob,
  ) {
    this.jobId = job.jobId;
    this.iterations = job.iterations;
    this.publishedUpTo = job.publishedUpTo;
    this.ownsJob = job.ownsJob ?? (async () => true);
    this.keepCheckpoints = job.keepCheckpoints;
    this.limits = job.limits ?? { project: 'default', deadline: null };
    this.names = job.names ?? metricNames('gan');
    this.rateFrom = { at: Date.now(), iteration: job.startIteration };
  }

  get callbacks(): TrainerEvents {
    return {
      onMetrics: async (m) => {
        if (this.stepFrom !== null) this.deps.activity.observeStep((performance.now() - this.stepFrom) / 1000);
        // Stored as float32 (metrics-store); rounded here so the live stream, `latest` and the history agree exactly.
        const point: LossPoint = { iteration: m.iteration };
        for (const name of this.names) point[name] = Math.fround(m[name]!);
        this.buffer.push(point);
        if (Date.now() - this.lastFlush >= FLUSH_MS || m.iteration === this.iterations) await this.flush();
        this.stepFrom = performance.now();
      },
      onSample: async ({ iteration, png }) => {
        await this.flush();
        if (!(await this.ownsJob())) return;
        const s = await this.deps.artifacts.addSample(this.jobId, iteration, png);
        await this.deps.events.append(this.jobId, 'sample', { id: s.id, iteration, url: `/samples/${s.id}.png`, createdAt: s.createdAt });
        this.stepFrom = performance.now();
      },
      onCheckpoint: async ({ iteration, files }) => {
        await this.flush();
        if (!(await this.ownsJob())) return;
        await this.refuseOverQuota(files);
        const c = await this.deps.artifacts.addCheckpoint(this.jobId, iteration, files);
        await this.deps.events.append(this.jobId, 'checkpoint', { iteration, size: c.size, createdAt: c.createdAt });
        if (this.keepCheckpoints !== undefined) await this.deps.artifacts.pruneCheckpoints(this.jobId, this.keepCheckpoints);
        await this.afterCheckpoint?.(iteration);
        this.stepFrom = performance.now();
      },
    };
  }

  /** A checkpoint that would take the project over its stored-bytes quota is not written: the job fails instead. */
  private async refuseOverQuota(files: Map<string, Uint8Array>): Promise<void> {
    const limit = this.deps.quota?.storedBytes ?? 0;
    if (limit === 0) return;
    const size = [...files.values()].reduce((sum, b) => sum + b.byteLength, 0);
    const used = await this.deps.artifacts.projectBytes(this.limits.project);
    if (used + size > limit) {
      throw new StoredBytesQuotaError(
        `project ${this.limits.project} stores ${formatBytes(used)}; a ${formatBytes(size)} checkpoint would exceed its quota of ` +
          `${formatBytes(limit)} (GANFORGE_QUOTA_STORED_BYTES): delete jobs or checkpoints, then resume this job`,
      );
    }
  }

  /** Writes buffered metrics, progress and events; reads the cancel flag. */
  async flush(): Promise<void> {
    this.lastFlush = Date.now();
    const points = this.buffer;
    if (points.length === 0) return;
    this.buffer = [];
    if (!(await this.ownsJob())) {
      this.stopReason = 'lost';
      this.abort.abort();
      return;
    }
    const last = points[points.length - 1]!;
    const now = Date.now();
    if (now - this.rateFrom.at >= 500) {
      this.itPerSec = ((last.iteration - this.rateFrom.iteration) * 1000) / (now - this.rateFrom.at);
      this.rateFrom = { at: now, iteration: last.iteration };
    }
    this.deps.activity.progress(this.jobId, last.iteration, this.itPerSec);
    await this.deps.metrics.write(this.jobId, this.names, points);
    const exists = await this.deps.jobs.updateIfExists(this.jobId, {
      iteration: last.iteration,
      itPerSec: this.itPerSec,
      latest: Object.fromEntries(this.names.map((name) => [name, last[name]!])),
    });
    if (!exists) {
      this.stopReason = 'deleted';
      this.abort.abort();
      return;
    }
    const fresh = points.filter((p) => p.iteration > this.publishedUpTo);
    if (fresh.length) {
      await this.deps.events.append(this.jobId, 'metrics', { points: fresh });
      this.publishedUpTo = fresh[fresh.length - 1]!.iteration;
    }
    await this.deps.events.append(this.jobId, 'progress', {
      iteration: last.iteration,
      iterations: this.iterations,
      itPerSec: this.itPerSec,
      etaSeconds: this.itPerSec ? Math.round((this.iterations - last.iteration) / this.itPerSec) : null,
    });
    const record = await this.deps.jobs.get(this.jobId);
    if (record?.cancelRequested) {
      this.stopReason = 'cancelled';
      this.abort.abort();
    } else if (this.limits.deadline !== null && Date.now() > this.limits.deadline) {
      this.stopReason = 'timeout';
      this.abort.abort();
    }
  }
}
