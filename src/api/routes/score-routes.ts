// POST /jobs/{id}/checkpoints/{iteration}/score: a saved checkpoint's sample-quality score, on demand (202, then an event).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkpointParamsSchema } from '../schemas/artifact-schemas.js';
import { scoreRequestSchema } from '../schemas/score-schemas.js';
import { jsonResponse, problemResponses } from '../schemas/responses.js';
import { withHeaders } from '../schemas/openapi-transforms.js';

const scoreRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/jobs/:id/checkpoints/:iteration/score',
    {
      schema: {
        operationId: 'scoreCheckpoint',
        summary: "Score a saved checkpoint's samples (FD, IS, label accuracy) against held-out real images",
        description:
          "Queues the scoring of the checkpoint's generator by its dataset's scorer; a worker writes the point " +
          '(replacing one already at that iteration) to GET /jobs/{id}/quality and appends a `quality` event to the ' +
          "job's stream. While the scorer is still pending or training, the checkpoint is scored once it is ready.",
        tags: ['artifacts'],
        params: checkpointParamsSchema,
        response: {
          202: withHeaders(jsonResponse('Queued', scoreRequestSchema), {
            Location: { description: "The job's quality points: /jobs/{id}/quality", schema: { type: 'string' }, required: true },
          }),
          ...problemResponses({
            404: 'No such job, or no checkpoint at that iteration (any more)',
            409: "The job's dataset has no usable scorer (code SCORER_UNAVAILABLE): failed or unavailable, with the reason",
          }),
        },
      },
    },
    async (request, reply) => {
      const queued = await app.services.score.scoreCheckpoint(request.params.id, request.params.iteration);
      return reply.code(202).header('location', queued.quality).send(queued);
    },
  );
};

export default scoreRoutes;
