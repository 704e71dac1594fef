// Samples (PNG grids), checkpoints and the generator of a job: tf.loadLayersModel can load it straight from here.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  SAMPLE_FILE,
  binarySchema,
  binaryStreamSchema,
  checkpointListSchema,
  checkpointParamsSchema,
  generateQuerySchema,
  generatorQuerySchema,
  layersModelSchema,
  sampleListSchema,
  sampleParamsSchema,
} from '../schemas/artifact-schemas.js';
import { jobParamsSchema } from '../schemas/job-schemas.js';
import { iterationPageQuerySchema } from '../schemas/query.js';
import { withHeaders } from '../schemas/openapi-transforms.js';
import { jsonResponse, problemResponse, problemResponses } from '../schemas/responses.js';
import { normalizeIP } from '@fastify/rate-limit';
import { ClientSlots } from '../services/client-slots.js';
import { TooManyStreamsError } from '../services/errors.js';
import { toCheckpointView, toSampleView } from '../views/job-view.js';

const tags = ['artifacts'];
const IMMUTABLE = 'public, max-age=31536000, immutable';
const str = { type: 'string' };

/** True when an If-None-Match header lists this strong ETag (or is `*`). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

const artifactsRoutes: FastifyPluginAsyncZod<{ archivesPerClient: number }> = async (app, opts) => {
  const archiveSlots = new ClientSlots(opts.archivesPerClient);
  app.get(
    '/jobs/:id/samples',
    {
      schema: {
        operationId: 'listJobSamples',
        summary: "A job's sample grids, by iteration, a page at a time",
        tags,
        params: jobParamsSchema,
        querystring: iterationPageQuerySchema,
        response: { 200: jsonResponse('A page of samples', sampleListSchema), ...problemResponses({ 400: 'Invalid limit or cursor', 404: 'No such job' }) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await app.services.artifacts.listSamples(request.params.id, { limit, after: cursor });
      return { samples: page.items.map((s) => toSampleView(s, app.services.links.sign)), nextCursor: page.next?.toString() ?? null };
    },
  );

  app.get(
    '/samples/:file',
    {
      schema: {
        operationId: 'getSampleImage',
        summary: 'A sample grid as PNG (immutable: cache it for ever)',
        tags,
        params: sampleParamsSchema,
        response: {
          200: withHeaders(
            { description: 'The PNG', content: { 'image/png': { schema: binarySchema('PNG image') } } },
            {
              ETag: { description: 'Strong validator', schema: str, required: true },
              'Cache-Control': { description: IMMUTABLE, schema: str, required: true },
              'X-Content-Type-Options': { description: 'nosniff', schema: str, required: true },
            },
          ),
          304: withHeaders(z.undefined().describe('Not modified (If-None-Match matched)'), {
            ETag: { description: 'Strong validator', schema: str, required: true },
            'Cache-Control': { description: IMMUTABLE, schema: str, required: true },
          }),
          ...problemResponses({ 404: 'No such sample' }),
        },
      },
    },
    async (request, reply) => {
      const sample = await app.services.artifacts.getSample(SAMPLE_FILE.exec(request.params.file)![1]!);
      if (matches(request.headers['if-none-match'], sample.etag)) {
        return reply.code(304).header('etag', sample.etag).header('cache-control', IMMUTABLE).send(undefined);
      }
      const bytes = await app.services.artifacts.readSample(sample);
      return reply
        .type('image/png')
        .header('etag', sample.etag)
        .header('cache-control', IMMUTABLE)
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(bytes));
    },
  );

  app.get(
    '/jobs/:id/checkpoints',
    {
      schema: {
        operationId: 'listJobCheckpoints',
        summary: "A job's checkpoints, by iteration, a page at a time",
        tags,
        params: jobParamsSchema,
        querystring: iterationPageQuerySchema,
        response: { 200: jsonResponse('A page of checkpoints', checkpointListSchema), ...problemResponses({ 400: 'Invalid limit or cursor', 404: 'No such job' }) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const page = await app.services.artifacts.listCheckpoints(id, { limit: request.query.limit, after: request.query.cursor });
      return { checkpoints: page.items.map((c) => toCheckpointView(id, c, app.services.links.sign)), nextCursor: page.next?.toString() ?? null };
    },
  );

  app.get(
    '/jobs/:id/checkpoints/:iteration/archive',
    {
      schema: {
        operationId: 'getCheckpointArchive',
        summary: 'One checkpoint as a tar archive, to resume the job with the command-line trainer',
        description:
          'A run directory of `npm run train`: `checkpoints/<iteration>/` (both models, both Adam states, state.json), ' +
          '`metrics.csv` with the rows of iterations 1 to the checkpoint, and `job.json` (the job, its spec and the ' +
          '`npm run train -- --resume ...` command that continues it). Streamed: an error midway aborts the response.',
        tags,
        params: checkpointParamsSchema,
        response: {
          200: withHeaders(
            { description: 'The tar archive', content: { 'application/x-tar': { schema: binaryStreamSchema('tar archive') } } },
            {
              'Content-Disposition': { description: 'attachment; filename="<job name>-<iteration>.tar"', schema: str, required: true },
            },
          ),
          ...problemResponses({ 404: 'No such job, or no checkpoint at that iteration' }),
          429: withHeaders(problemResponse('This client downloads GANFORGE_ARCHIVE_MAX_PER_CLIENT archives already (code TOO_MANY_STREAMS)'), {
            'Retry-After': { description: 'Seconds to wait before retrying', schema: str, required: true },
          }),
        },
      },
    },
    async (request, reply) => {
      // Each download holds a file of the checkpoint in memory while the client reads it: a few per client at once.
      const release = archiveSlots.acquire(normalizeIP(request.ip));
      if (!release) {
        throw new TooManyStreamsError(`this client is downloading ${opts.archivesPerClient} archives already; wait for one to finish`, {
          retryAfterSeconds: 5,
        });
      }
      let archive;
      try {
        archive = await app.services.artifacts.checkpointArchive(request.params.id, request.params.iteration);
      } catch (err) {
        release();
        throw err;
      }
      const { filename, stream } = archive;
      stream.once('close', release);
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .header('cache-control', 'no-cache')
        .send(stream);
    },
  );

  app.get(
    '/jobs/:id/generator/model.json',
    {
      schema: {
        operationId: 'getGeneratorModel',
        summary: "The generator's model.json (latest checkpoint, or ?iteration=N)",
        description:
          "Its weights path names the same checkpoint's weights.bin, so tf.loadLayersModel(this URL) never mixes " +
          'checkpoints even when a newer one appears meanwhile.',
        tags,
        params: jobParamsSchema,
        querystring: generatorQuerySchema,
        response: {
          200: withHeaders(jsonResponse('TensorFlow.js layers model', layersModelSchema), {
            'X-Checkpoint-Iteration': { description: 'Iteration of the checkpoint served', schema: { type: 'integer' }, required: true },
          }),
          ...problemResponses({ 400: 'Invalid iteration', 404: 'No such job, or no checkpoint (at that iteration) yet' }),
        },
      },
    },
    async (request, reply) => {
      const { iteration, model } = await app.services.artifacts.generatorModel(request.params.id, request.query.iteration);
      // The latest one changes as training goes on; a pinned iteration never does.
      reply.header('cache-control', request.query.iteration === undefined ? 'no-cache' : IMMUTABLE);
      return reply.type('application/json; charset=utf-8').header('x-checkpoint-iteration', String(iteration)).send(model);
    },
  );

  app.get(
    '/jobs/:id/generate.png',
    {
      schema: {
        operationId: 'generateGrid',
        summary: 'A fresh sample grid from the latest (or ?iteration=N) saved generator',
        description:
          'n images from noise seeded by `seed` (the same query gives the same PNG), for a conditional model (cgan) all of ' +
          'class `label`. The generator runs in the API process.',
        tags,
        params: jobParamsSchema,
        querystring: generateQuerySchema,
        response: {
          200: withHeaders(
            { description: 'PNG grid', content: { 'image/png': { schema: binarySchema('PNG image') } } },
            { 'X-Checkpoint-Iteration': { description: 'Iteration of the checkpoint used', schema: { type: 'integer' }, required: true } },
          ),
          ...problemResponses({
            400: 'Invalid query parameter, or a label for a model that is not conditional',
            404: 'No such job, or no checkpoint (at that iteration) yet',
            422: 'A label the model does not have',
          }),
        },
      },
    },
    async (request, reply) => {
      const { iteration, png } = await app.services.generate.png(request.params.id, request.query);
      reply.header('cache-control', request.query.iteration === undefined ? 'no-cache' : IMMUTABLE);
      return reply.type('image/png').header('x-checkpoint-iteration', String(iteration)).send(Buffer.from(png));
    },
  );

  app.get(
    '/jobs/:id/generator/weights.bin',
    {
      schema: {
        operationId: 'getGeneratorWeights',
        summary: "The generator's weights (latest checkpoint, or ?iteration=N)",
        tags,
        params: jobParamsSchema,
        querystring: generatorQuerySchema,
        response: {
          200: { description: 'Weights', content: { 'application/octet-stream': { schema: binarySchema('float32 weights') } } },
          ...problemResponses({ 400: 'Invalid iteration', 404: 'No such job, or no checkpoint (at that iteration) yet' }),
        },
      },
    },
    async (request, reply) => {
      const { bytes } = await app.services.artifacts.generatorWeights(request.params.id, request.query.iteration);
      reply.header('cache-control', request.query.iteration === undefined ? 'no-cache' : IMMUTABLE);
      return reply.type('application/octet-stream').send(Buffer.from(bytes));
    },
  );
};

export default artifactsRoutes;

