// GET /jobs/:id/quality: a job's sample-quality points by checkpoint iteration and the state of its scorer.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jobParamsSchema, jobQualityOutputSchema } from '../schemas/job-schemas.js';
import { jsonResponse, problemResponses } from '../schemas/responses.js';

const qualityRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/jobs/:id/quality',
    {
      schema: {
        operationId: 'getJobQuality',
        summary: "A job's sample quality per checkpoint",
        description:
          'One point per scored checkpoint, by iteration ascending: Fréchet distance of the scorer\'s features (FD, ' +
          'lower is better), classifier Inception Score (IS, higher is better) and, for conditional models, the label ' +
          'accuracy. `scorer` says whether the dataset\'s classifier is pending, training (with progress), ready (with ' +
          'its held-out accuracy and the real-data reference figures), failed or unavailable (with the reason). New ' +
          'points also arrive as `quality` events on GET /jobs/{id}/events.',
        tags: ['artifacts'],
        params: jobParamsSchema,
        response: {
          200: jsonResponse('Quality points and scorer state', jobQualityOutputSchema),
          ...problemResponses({ 404: 'No such job' }),
        },
      },
    },
    async (request) => app.services.quality.read(request.params.id),
  );
};

export default qualityRoutes;
