// Builds the API's services from the infrastructure and decorates them onto the app for the routes.
import fp from 'fastify-plugin';
import type { Env } from '../../config/env.js';
import { ArtifactsService } from '../services/artifacts-service.js';
import { EventFollower } from '../services/event-follower.js';
import { GenerateService } from '../services/generate-service.js';
import { HealthService } from '../services/health-service.js';
import { IdempotencyService } from '../services/idempotency-service.js';
import { JobsService } from '../services/jobs-service.js';
import { MetricsService } from '../services/metrics-service.js';
import { PrometheusService } from '../services/prometheus-service.js';
import { WorkersService } from '../services/workers-service.js';

export interface Services {
  jobs: JobsService;
  metrics: MetricsService;
  artifacts: ArtifactsService;
  generate: GenerateService;
  events: EventFollower;
  health: HealthService;
  idempotency: IdempotencyService;
  prometheus: PrometheusService;
  workers: WorkersService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export default fp(
  async (app, opts: { env: Env }) => {
    const { redis, jobs: jobStore, metrics, events, artifacts, store, queue, stats, workers } = app.infra;
    const jobs = new JobsService({ jobs: jobStore, events, queue, store, maxActiveJobs: opts.env.GANFORGE_MAX_ACTIVE_JOBS, stats });
    const artifactsService = new ArtifactsService({ jobs, index: artifacts, store, metrics });
    app.decorate('services', {
      jobs,
      metrics: new MetricsService({ jobs, metrics }),
      artifacts: artifactsService,
      generate: new GenerateService({ jobs, artifacts: artifactsService }),
      events: new EventFollower({ jobs: jobStore, events }),
      health: new HealthService({ redis, timeoutMs: 1_000 }),
      idempotency: new IdempotencyService({ redis, prefix: opts.env.GANFORGE_PREFIX, ttlSeconds: opts.env.GANFORGE_IDEMPOTENCY_TTL_SECONDS }),
      prometheus: new PrometheusService({ jobs: jobStore, stats, workers }),
      workers: new WorkersService({ registry: workers }),
    });
  },
  { name: 'services', dependencies: ['infrastructure'] },
);
