// Builds the API's services from the infrastructure and decorates them onto the app for the routes.
import fp from 'fastify-plugin';
import type { Env } from '../../config/env.js';
import { AuthService } from '../services/auth-service.js';
import { LinkSigner } from '../services/link-signer.js';
import { QuotaService } from '../services/quota-service.js';
import { StreamWatcher } from '../../jobs/stream-watcher.js';
import { RetentionSweeper } from '../services/retention-sweeper.js';
import { quotaLimits } from '../../jobs/quota.js';
import { SessionStore } from '../../jobs/session-store.js';
import { ArtifactsService } from '../services/artifacts-service.js';
import { EventFollower } from '../services/event-follower.js';
import { GenerateService } from '../services/generate-service.js';
import { initBackend } from '../../gan/backend.js';
import { HealthService } from '../services/health-service.js';
import { IdempotencyService } from '../services/idempotency-service.js';
import { JobsService } from '../services/jobs-service.js';
import { DatasetsService } from '../services/datasets-service.js';
import { MetricsService } from '../services/metrics-service.js';
import { QualityService } from '../services/quality-service.js';
import { PrometheusService } from '../services/prometheus-service.js';
import { WorkersService } from '../services/workers-service.js';
import { ScoreService } from '../services/score-service.js';

export interface Services {
  retention: RetentionSweeper | null;
  auth: AuthService;
  quota: QuotaService;
  links: LinkSigner;
  jobs: JobsService;
  datasets: DatasetsService;
  metrics: MetricsService;
  quality: QualityService;
  artifacts: ArtifactsService;
  generate: GenerateService;
  events: EventFollower;
  health: HealthService;
  idempotency: IdempotencyService;
  prometheus: PrometheusService;
  workers: WorkersService;
  score: ScoreService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export default fp(
  async (app, opts: { env: Env }) => {
    const { redis, jobs: jobStore, metrics, quality, events, artifacts, store, queue, stats, workers, apiKeys, datasets, datasetQueue, qualityQueue } =
      app.infra;
    const { env } = opts;
    const watcher = new StreamWatcher(redis);
    app.addHook('preClose', () => watcher.close());
    const quota = new QuotaService({ jobs: jobStore, artifacts, datasets, limits: quotaLimits(env) });
    const jobs = new JobsService({ jobs: jobStore, events, queue, store, maxActiveJobs: env.GANFORGE_MAX_ACTIVE_JOBS, stats, quota, datasets });
    const retentionMs = env.GANFORGE_JOB_RETENTION_DAYS * 86_400_000;
    const retention =
      retentionMs > 0 ? new RetentionSweeper({ redis, prefix: env.GANFORGE_PREFIX, store: jobStore, jobs, retentionMs, log: app.log }) : null;
    // Often enough that a job outlives its retention by at most a tenth of it (at least a minute between sweeps).
    retention?.start(Math.min(3_600_000, Math.max(60_000, retentionMs / 10)));
    app.addHook('onClose', async () => retention?.stop());
    const artifactsService = new ArtifactsService({ jobs, index: artifacts, store, metrics });
    app.decorate('services', {
      retention,
      quota,
      links: new LinkSigner({ redis, prefix: env.GANFORGE_PREFIX, secret: env.GANFORGE_LINK_SECRET, ttlSeconds: env.GANFORGE_LINK_TTL_SECONDS }),
      auth: new AuthService({
        redis,
        prefix: env.GANFORGE_PREFIX,
        keys: apiKeys,
        sessions: new SessionStore(redis, env.GANFORGE_PREFIX, env.GANFORGE_SESSION_TTL_SECONDS),
        adminToken: env.GANFORGE_ADMIN_TOKEN,
        adminProject: env.GANFORGE_ADMIN_PROJECT,
        metricsToken: env.GANFORGE_METRICS_TOKEN,
        failureMax: env.GANFORGE_AUTH_FAILURE_MAX,
        failureWindowMs: env.GANFORGE_RATE_LIMIT_WINDOW_MS,
      }),
      jobs,
      datasets: new DatasetsService({
        redis,
        prefix: env.GANFORGE_PREFIX,
        datasets,
        jobs: jobStore,
        store,
        queue: datasetQueue,
        maxBytes: env.GANFORGE_DATASET_MAX_BYTES,
        quota,
      }),
      metrics: new MetricsService({ jobs, metrics }),
      quality: new QualityService({ jobs, quality }),
      artifacts: artifactsService,
      generate: new GenerateService({
        jobs,
        artifacts: artifactsService,
        backend: () => initBackend(env.GANFORGE_BACKEND, { blasThreads: env.GANFORGE_BLAS_THREADS }),
      }),
      score: new ScoreService({
        jobs,
        index: artifacts,
        quality,
        queue: qualityQueue,
        samples: env.GANFORGE_QUALITY_SAMPLES,
      }),
      events: new EventFollower({ jobs: jobStore, events, watcher }),
      health: new HealthService({ redis, timeoutMs: 1_000 }),
      idempotency: new IdempotencyService({ redis, prefix: opts.env.GANFORGE_PREFIX, ttlSeconds: opts.env.GANFORGE_IDEMPOTENCY_TTL_SECONDS }),
      prometheus: new PrometheusService({ jobs: jobStore, stats, workers }),
      workers: new WorkersService({ registry: workers }),
    });
  },
  { name: 'services', dependencies: ['infrastructure'] },
);
