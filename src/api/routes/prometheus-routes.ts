// GET /metrics: Prometheus scrape target for the whole deployment (any API replica answers for the cluster).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { problemResponses } from '../schemas/responses.js';
import { prometheusTextSchema } from '../schemas/worker-schemas.js';
import { PROMETHEUS_CONTENT_TYPE } from '../services/prometheus-service.js';

const prometheusRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getPrometheusMetrics',
        summary: 'Prometheus metrics',
        description:
          'Cluster-wide, read from Redis at each scrape: `ganforge_jobs{status}`, `ganforge_jobs_started_total`, ' +
          '`ganforge_jobs_finished_total{status}`, `ganforge_workers{backend}`, ' +
          '`ganforge_worker_iterations_per_second{worker,hostname,backend}` and the histogram ' +
          '`ganforge_train_step_seconds` (every worker adds its step times). Per API replica: the histogram ' +
          '`ganforge_http_request_duration_seconds{method,route,status_code}`, labelled by route pattern.',
        tags: ['operations'],
        response: {
          200: { description: 'Metrics in the text exposition format', content: { 'text/plain': { schema: prometheusTextSchema } } },
          ...problemResponses(),
        },
      },
    },
    async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(await app.services.prometheus.render()),
  );
};

export default prometheusRoutes;
