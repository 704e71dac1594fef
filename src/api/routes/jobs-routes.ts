// Job routes: create, list, read, cancel, delete. Thin: validate with zod, call the jobs service, shape the reply.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createJobBodySchema,
  jobListSchema,
  jobParamsSchema,
  jobResourceSchema,
  listJobsQuerySchema,
} from '../schemas/job-schemas.js';
import { jsonResponse, problemResponses } from '../schemas/responses.js';
import { withHeaders } from '../schemas/openapi-transforms.js';
import { toJobResource, urls } from '../views/job-view.js';

const tags = ['jobs'];

const jobsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/jobs',
    {
      schema: {
        operationId: 'createJob',
        summary: 'Create and enqueue a training job',
        tags,
        body: createJobBodySchema,
        response: {
          201: withHeaders(jsonResponse('The job, queued', jobResourceSchema), {
            Location: { description: 'URL of the new job', schema: { type: 'string' } },
          }),
          ...problemResponses({
            400: 'Malformed JSON, or an invalid or unknown field',
            413: 'Body larger than GANFORGE_BODY_LIMIT',
            415: 'Body is not application/json',
            429: 'Too many queued and running jobs (GANFORGE_MAX_ACTIVE_JOBS)',
          }),
        },
      },
    },
    async (request, reply) => {
      const record = await app.services.jobs.create(request.body);
      return reply.code(201).header('location', urls.job(record.id)).send(toJobResource(record));
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        operationId: 'listJobs',
        summary: 'List jobs, newest first',
        tags,
        querystring: listJobsQuerySchema,
        response: { 200: jsonResponse('A page of jobs', jobListSchema), ...problemResponses({ 400: 'Invalid query parameter' }) },
      },
    },
    async (request) => {
      const { jobs, nextCursor } = await app.services.jobs.list(request.query);
      return { jobs: jobs.map(toJobResource), nextCursor };
    },
  );

  app.get(
    '/jobs/:id',
    {
      schema: {
        operationId: 'getJob',
        summary: 'A job: status, progress, latest losses, links',
        tags,
        params: jobParamsSchema,
        response: { 200: jsonResponse('The job', jobResourceSchema), ...problemResponses({ 404: 'No such job' }) },
      },
    },
    async (request) => toJobResource(await app.services.jobs.get(request.params.id)),
  );

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        description:
          'A queued job is removed from the queue and is cancelled at once. A running job gets cancelRequested: true ' +
          'and its worker stops it at the next iteration; follow its status event.',
        tags,
        params: jobParamsSchema,
        response: {
          202: jsonResponse('The job after the cancel request', jobResourceSchema),
          ...problemResponses({ 404: 'No such job', 409: 'The job has already finished' }),
        },
      },
    },
    async (request, reply) => reply.code(202).send(toJobResource(await app.services.jobs.cancel(request.params.id))),
  );

  app.delete(
    '/jobs/:id',
    {
      schema: {
        operationId: 'deleteJob',
        summary: 'Delete a finished job with its metrics, events, samples and checkpoints',
        tags,
        params: jobParamsSchema,
        response: {
          204: z.undefined().describe('Deleted'),
          ...problemResponses({ 404: 'No such job', 409: 'The job is queued or running: cancel it first' }),
        },
      },
    },
    async (request, reply) => {
      await app.services.jobs.delete(request.params.id);
      return reply.code(204).send();
    },
  );
};

export default jobsRoutes;
