// API keys (admin only): create one (its token shown once), list them, revoke one.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createKeyBodySchema, createdKeySchema, keyListSchema, keyParamsSchema } from '../schemas/key-schemas.js';
import { jsonResponse, problemResponses } from '../schemas/responses.js';
import { NotFoundError } from '../services/errors.js';
import type { ApiKeyRecord } from '../../jobs/api-key-store.js';

const tags = ['keys'];

const toKeyView = ({ id, project, role, name, createdAt }: ApiKeyRecord) => ({ id, project, role, name, createdAt });

const keysRoutes: FastifyPluginAsyncZod = async (app) => {
  const { apiKeys } = app.infra;

  app.post(
    '/keys',
    {
      schema: {
        operationId: 'createKey',
        summary: 'Create an API key (admin)',
        description: 'The token is in this response only; the API keeps its SHA-256, never the token.',
        tags,
        body: createKeyBodySchema,
        response: {
          201: jsonResponse('The key with its token', createdKeySchema),
          ...problemResponses({ 400: 'Invalid or unknown field', 401: 'No or an unknown key', 403: 'Not an admin key' }),
        },
      },
    },
    async (request, reply) => {
      const { record, token } = await apiKeys.create(request.body);
      return reply.code(201).send({ ...toKeyView(record), token });
    },
  );

  app.get(
    '/keys',
    {
      schema: {
        operationId: 'listKeys',
        summary: 'List the API keys, oldest first (admin)',
        tags,
        response: { 200: jsonResponse('Every key, without tokens', keyListSchema), ...problemResponses({ 401: 'No or an unknown key', 403: 'Not an admin key' }) },
      },
    },
    async () => ({ keys: (await apiKeys.list()).map(toKeyView) }),
  );

  app.delete(
    '/keys/:id',
    {
      schema: {
        operationId: 'revokeKey',
        summary: 'Revoke an API key (admin)',
        description: 'Every API instance refuses the key from the next request on (keys are looked up in Redis each time).',
        tags,
        params: keyParamsSchema,
        response: {
          204: z.undefined().describe('Revoked'),
          ...problemResponses({ 401: 'No or an unknown key', 403: 'Not an admin key', 404: 'No such key' }),
        },
      },
    },
    async (request, reply) => {
      if (!(await apiKeys.revoke(request.params.id))) throw new NotFoundError(`no key ${request.params.id}`);
      return reply.code(204).send();
    },
  );
};

export default keysRoutes;
