// Liveness (the process answers) and readiness (Redis answers) for orchestrators and load balancers.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonResponse, problemResponses } from '../schemas/responses.js';

const okSchema = z.object({ status: z.literal('ok') }).meta({ id: 'HealthStatus' });
const tags = ['operations'];

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness: the process is up',
        tags,
        security: [],
        response: { 200: jsonResponse('Alive', okSchema), ...problemResponses() },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: Redis answers a PING within a second',
        tags,
        security: [],
        response: { 200: jsonResponse('Ready', okSchema), ...problemResponses({ 503: 'Redis does not answer' }) },
      },
    },
    async () => {
      await app.services.health.assertReady();
      return { status: 'ok' as const };
    },
  );
};

export default healthRoutes;
