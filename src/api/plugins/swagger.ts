// OpenAPI from the route schemas (@fastify/swagger), the interactive docs at /docs, and the committed openapi.yaml.
import { readFile } from 'node:fs/promises';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { problemResponses } from '../schemas/responses.js';
import { transform, transformObject } from '../schemas/openapi-transforms.js';

/** The top-level openapi.yaml, the same number of directories up from src/api/plugins and dist/api/plugins. */
export const OPENAPI_FILE = new URL('../../../openapi.yaml', import.meta.url);

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'ganforge API',
          version: '0.1.0',
          description:
            'Train generative adversarial networks as jobs: create a job, follow its losses and events live, look at ' +
            'its sample grids and download its generator. Every error is an RFC 9457 problem document.',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        servers: [{ url: '/', description: 'The host serving this document' }],
        // Every route but the probes and this description needs an API key (README, "Security").
        security: [{ bearer: [] }],
        components: {
          securitySchemes: {
            bearer: {
              type: 'http',
              scheme: 'bearer',
              description:
                'An API key (gf_...) from POST /keys or `ganforge keys create`, or GANFORGE_ADMIN_TOKEN. An API with neither ' +
                'runs open on loopback and needs no header.',
            },
          },
        },
        tags: [
          { name: 'jobs', description: 'Training jobs' },
          { name: 'datasets', description: 'Built-in and uploaded datasets (archives of images labelled by folder)' },
          { name: 'artifacts', description: 'Metrics, events, samples, checkpoints and generators of a job' },
          { name: 'operations', description: 'Health, Prometheus metrics, live workers and this API description' },
          { name: 'keys', description: 'API keys and their projects (admin only)' },
        ],
      },
      transform,
      transformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });

    app.withTypeProvider<ZodTypeProvider>().get(
      '/openapi.yaml',
      {
        schema: {
          operationId: 'getOpenApi',
          summary: 'This API description',
          security: [],
          tags: ['operations'],
          response: {
            200: { description: 'OpenAPI 3.1 document', content: { 'application/yaml': { schema: z.string() } } },
            ...problemResponses(),
          },
        },
      },
      async (_request, reply) => {
        // The committed file is the contract; a copy of the app without it (e.g. a slim image) still answers.
        const text = await readFile(OPENAPI_FILE, 'utf8').catch(() => app.swagger({ yaml: true }));
        return reply.type('application/yaml').send(text);
      },
    );
  },
  { name: 'swagger' },
);
