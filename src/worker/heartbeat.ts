// The worker's heartbeat: who it is, what it trains and how fast, written to Redis every few seconds with its step times.
import type { Logger } from 'pino';
import type { ClusterStats } from '../jobs/cluster-stats.js';
import { StepTimeRecorder } from '../jobs/cluster-stats.js';
import { HEARTBEAT_INTERVAL_MS, type WorkerInfo, type WorkerRegistry } from '../jobs/worker-registry.js';
import type { WorkerActivity } from './job-reporter.js';

export interface HeartbeatDeps {
  registry: WorkerRegistry;
  stats: ClusterStats;
  log: Logger;
  intervalMs?: number;
}

export class Heartbeat implements WorkerActivity {
  private info: WorkerInfo;
  private readonly steps = new StepTimeRecorder();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | null = null;

  constructor(private readonly deps: HeartbeatDeps, identity: Omit<WorkerInfo, 'job'>) {
    this.info = { ...identity, job: null };
  }

  get id(): string {
    return this.info.id;
  }

  /** Beats now (so the worker is listed at once), then every interval. */
  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.deps.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  }

  /** Writes the last step times and leaves the registry: a worker that stops is gone at once, not after the TTL. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.flushSteps();
    await this.deps.registry.remove(this.info.id);
  }

  progress(jobId: string, iteration: number, itPerSec: number | null): void {
    this.info = { ...this.info, job: { id: jobId, iteration, itPerSec } };
  }

  observeStep(seconds: number): void {
    this.steps.observe(seconds);
  }

  idle(): void {
    this.info = { ...this.info, job: null };
  }

  private beat(): Promise<void> {
    // A slow Redis must not pile up beats; the next tick tries again.
    this.beating ??= (async () => {
      try {
        await this.deps.registry.beat(this.info);
        await this.flushSteps();
      } catch (err) {
        this.deps.log.warn({ err }, 'heartbeat failed');
      } finally {
        this.beating = null;
      }
    })();
    return this.beating;
  }

  private async flushSteps(): Promise<void> {
    const times = this.steps.take();
    if (times) await this.deps.stats.addStepTimes(times);
  }
}
