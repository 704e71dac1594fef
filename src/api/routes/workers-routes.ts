// GET /workers: the live training workers, their backends and what each is training.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonResponse, problemResponses } from '../schemas/responses.js';
import { workerListSchema } from '../schemas/worker-schemas.js';

const workersRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/workers',
    {
      schema: {
        operationId: 'listWorkers',
        summary: 'Live workers',
        description: 'Workers that sent a heartbeat in the last 30 s, by id. A worker leaves the list when it stops.',
        tags: ['operations'],
        response: { 200: jsonResponse('Live workers', workerListSchema), ...problemResponses() },
      },
    },
    async () => ({ workers: await app.services.workers.list() }),
  );
};

export default workersRoutes;
