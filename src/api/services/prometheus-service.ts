// GET /metrics: this API's request latencies plus cluster-wide job, worker and step-time figures read from Redis.
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { JOB_STATUSES } from '../../contract/job.js';
import { STEP_TIME_BUCKETS, type ClusterStats, type StepTimes } from '../../jobs/cluster-stats.js';
import type { JobStore } from '../../jobs/job-store.js';
import type { WorkerRegistry } from '../../jobs/worker-registry.js';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface PrometheusDeps {
  jobs: JobStore;
  stats: ClusterStats;
  workers: WorkerRegistry;
}

export class PrometheusService {
  /** One registry per app (not prom-client's global one), so several apps in a process do not collide. */
  private readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly jobs: Gauge<'status'>;
  private readonly started: Counter;
  private readonly finished: Counter<'status'>;
  private readonly workerCount: Gauge<'backend'>;
  private readonly workerSpeed: Gauge<'worker' | 'hostname' | 'backend'>;
  private stepTimes: StepTimes = { counts: [], sum: 0, count: 0 };

  constructor(private readonly deps: PrometheusDeps) {
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'ganforge_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern (an event stream counts until it closes)',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.jobs = new Gauge({ name: 'ganforge_jobs', help: 'Jobs by status', labelNames: ['status'], registers });
    this.started = new Counter({
      name: 'ganforge_jobs_started_total',
      help: 'Runs that began training, by every worker (a job retried after a crash is not counted again; one resumed with POST /jobs/{id}/resume is)',
      registers,
    });
    this.finished = new Counter({
      name: 'ganforge_jobs_finished_total',
      help: 'Jobs that completed, failed or were cancelled',
      labelNames: ['status'],
      registers,
    });
    this.workerCount = new Gauge({ name: 'ganforge_workers', help: 'Live workers (heartbeat within 30 s), by backend', labelNames: ['backend'], registers });
    this.workerSpeed = new Gauge({
      name: 'ganforge_worker_iterations_per_second',
      help: "Training speed of each live worker's current job; 0 when idle",
      labelNames: ['worker', 'hostname', 'backend'],
      registers,
    });
    this.registry.registerMetric(redisHistogram('ganforge_train_step_seconds', 'Time of one training step on the workers', () => this.stepTimes));
  }

  /** Called once per answered request; `route` is the route's pattern (e.g. /jobs/:id), never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** The exposition text: Redis is read once, then every metric is rendered from that snapshot. */
  async render(): Promise<string> {
    const [counts, stats, workers] = await Promise.all([this.deps.jobs.countByStatus(), this.deps.stats.read(), this.deps.workers.list()]);
    for (const status of JOB_STATUSES) this.jobs.set({ status }, counts[status]);
    // Counters that live in Redis: reset, then set to the stored total (Prometheus handles a reset API process).
    this.started.reset();
    this.started.inc(stats.jobs.started);
    this.finished.reset();
    for (const status of ['completed', 'failed', 'cancelled'] as const) this.finished.inc({ status }, stats.jobs[status]);
    this.stepTimes = stats.stepTimes;
    this.workerCount.reset();
    this.workerSpeed.reset();
    for (const w of workers) {
      this.workerCount.inc({ backend: w.backend.name });
      this.workerSpeed.set({ worker: w.id, hostname: w.hostname, backend: w.backend.name }, w.job?.itPerSec ?? 0);
    }
    return this.registry.metrics();
  }
}

/**
 * A histogram whose buckets are counted elsewhere (by the workers, in Redis). prom-client's Histogram can only
 * observe values one by one, so this supplies the already-counted series through the interface the registry reads.
 */
function redisHistogram(name: string, help: string, read: () => StepTimes): Metric {
  type Sample = { metricName: string; labels: Record<string, string | number>; value: number };
  const get = async () => {
    const { counts, sum, count } = read();
    let cumulative = 0;
    const values: Sample[] = STEP_TIME_BUCKETS.map((le, i) => {
      cumulative += counts[i] ?? 0;
      return { metricName: `${name}_bucket`, labels: { le }, value: cumulative };
    });
    values.push(
      { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count },
      { metricName: `${name}_sum`, labels: {}, value: sum },
      { metricName: `${name}_count`, labels: {}, value: count },
    );
    return { name, help, type: 'histogram', aggregator: 'sum', values };
  };
  return { name, help, type: 'histogram', aggregator: 'sum', get } as unknown as Metric;
}
