// GET /jobs/:id/metrics: a job's per-iteration losses, paged, optionally averaged, as JSON or CSV.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jobParamsSchema } from '../schemas/job-schemas.js';
import { metricsCsvSchema, metricsQuerySchema, metricsSchema } from '../schemas/artifact-schemas.js';
import { problemResponses } from '../schemas/responses.js';
import { metricsCsv } from '../services/metrics-service.js';
import { toLossView } from '../views/job-view.js';

/** CSV when asked by ?format=csv, or by an Accept header that prefers text/csv over JSON. */
function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  if (!accept) return false;
  return accept.includes('text/csv') && !accept.includes('application/json');
}

const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/jobs/:id/metrics',
    {
      schema: {
        operationId: 'getJobMetrics',
        summary: "A job's losses per iteration",
        description: 'Pages by `since` (exclusive) and `limit`; `every` averages windows of iterations.',
        tags: ['artifacts'],
        params: jobParamsSchema,
        querystring: metricsQuerySchema,
        response: {
          200: {
            description: 'Loss points',
            content: { 'application/json': { schema: metricsSchema }, 'text/csv': { schema: metricsCsvSchema } },
          },
          ...problemResponses({ 400: 'Invalid query parameter', 404: 'No such job' }),
        },
      },
    },
    async (request, reply) => {
      const { format, ...query } = request.query;
      const page = await app.services.metrics.read(request.params.id, query);
      if (wantsCsv(format, request.headers.accept)) {
        return reply.type('text/csv; charset=utf-8').send(metricsCsv(page.names, page.points));
      }
      return reply.type('application/json; charset=utf-8').send({ ...page, names: [...page.names], points: page.points.map(toLossView) });
    },
  );
};

export default metricsRoutes;
