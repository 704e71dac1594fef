// Job routes: create, list, read, cancel, resume, delete. Thin: validate with zod, call the jobs service, shape the reply.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createJobBodySchema,
  jobListSchema,
  jobParamsSchema,
  jobResourceSchema,
  listJobsQuerySchema,
  resumeJobBodySchema,
} from '../schemas/job-schemas.js';
import { jsonResponse, problemResponse, problemResponses } from '../schemas/responses.js';
import { OPTIONAL_BODY, withHeaders } from '../schemas/openapi-transforms.js';
import { toJobResource, urls } from '../views/job-view.js';
import { principalOf } from '../plugins/auth.js';
import type { JobRecord } from '../../contract/job.js';

const tags = ['jobs'];
const str = { type: 'string' };

const createJobHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x20-\x7e]{1,255}$/, '1 to 255 printable ASCII characters')
    .optional()
    .describe(
      'Makes retries safe: a repeat with the same key and body gets the first response (and creates no second job), ' +
        'the same key with another body 422, a repeat while the first is still in progress 409. Keys are kept for ' +
        'GANFORGE_IDEMPOTENCY_TTL_SECONDS (a day by default). A UUID per job you mean to create is a good key.',
    ),
});

const jobsRoutes: FastifyPluginAsyncZod = async (app) => {
  /** Job resources with each job's newest quality point, read for all of them in one Redis round trip. */
  const views = async (records: JobRecord[]) => {
    const quality = await app.services.quality.latestOf(records.map((r) => r.id));
    return records.map((r) => toJobResource(r, app.services.links.sign, quality.get(r.id) ?? null));
  };
  const view = async (record: JobRecord) => (await views([record]))[0];
  app.post(
    '/jobs',
    {
      schema: {
        operationId: 'createJob',
        summary: 'Create and enqueue a training job',
        tags,
        headers: createJobHeadersSchema,
        body: createJobBodySchema,
        response: {
          201: withHeaders(jsonResponse('The job, queued (or, for a repeated Idempotency-Key, as it was then)', jobResourceSchema), {
            Location: { description: 'URL of the new job', schema: str, required: true },
            'Idempotent-Replayed': { description: '`true` when this is the stored response to an earlier request with the same Idempotency-Key', schema: str },
          }),
          ...problemResponses({
            400: 'Malformed JSON, an invalid or unknown field, or a malformed Idempotency-Key',
            413: 'Body larger than GANFORGE_BODY_LIMIT',
            415: 'Body is not application/json',
            422: 'This Idempotency-Key was used with a different body (code IDEMPOTENCY_KEY_REUSED), or the model cannot make images of the dataset\'s shape (code UNPROCESSABLE)',
          }),
          409: withHeaders(problemResponse('A request with this Idempotency-Key is still in progress (retry after Retry-After seconds)'), {
            'Retry-After': { description: 'Seconds to wait before retrying', schema: str, required: true },
          }),
          429: withHeaders(
            problemResponse('Rate limited (code RATE_LIMITED), or too many queued and running jobs (code TOO_MANY_ACTIVE_JOBS)'),
            { 'Retry-After': { description: 'Seconds to wait before retrying (rate limits)', schema: str } },
          ),
        },
      },
    },
    async (request, reply) => {
      const { project, keyId, via } = principalOf(request);
      const create = async () => {
        const record = await app.services.jobs.create(request.body, { project, createdBy: keyId ?? via });
        // A new job has no quality point yet.
        return { status: 201 as const, location: urls.job(record.id), body: toJobResource(record, app.services.links.sign, null) };
      };
      const key = request.headers['idempotency-key'];
      let response;
      if (key === undefined) response = await create();
      else {
        // Per project: another project's key cannot replay (or block) this one's requests.
        const outcome = await app.services.idempotency.run(`${project}:${key}`, request.body, create);
        if (!outcome.stored) request.log.warn('could not store the response of an idempotent request; a retry may create a second job');
        if (outcome.replayed) reply.header('idempotent-replayed', 'true');
        response = outcome.response;
      }
      return reply.code(response.status).header('location', response.location).send(response.body);
    },
  );

  app.get(
    '/jobs',
    {
      schema: {
        operationId: 'listJobs',
        summary: 'List jobs, newest first, or the jobs named by ?ids= in that order',
        description:
          '`?ids=a,b,c` (up to 8 job ids of your project) answers those jobs in the order given, for comparing runs; ' +
          'a malformed, repeated or extra id is 400 naming `query.ids`, an id that names no job of your project 404.',
        tags,
        querystring: listJobsQuerySchema,
        response: {
          200: jsonResponse('A page of jobs', jobListSchema),
          ...problemResponses({ 400: 'Invalid query parameter', 404: 'An id of ?ids= names no job of your project' }),
        },
      },
    },
    async (request) => {
      const { ids, ...query } = request.query;
      const { project } = principalOf(request);
      if (ids) return { jobs: await views(await app.services.jobs.byIds(ids, project)), nextCursor: null };
      const { jobs, nextCursor } = await app.services.jobs.list({ ...query, project });
      return { jobs: await views(jobs), nextCursor };
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
    async (request) => view(await app.services.jobs.get(request.params.id)),
  );

  app.post(
    '/jobs/:id/cancel',
    {
      schema: {
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        description:
          'A queued job is removed from the queue and is cancelled at once. A running job gets cancelRequested: true ' +
          'and its worker stops it at its next progress report (within about a second); follow its status event.',
        tags,
        params: jobParamsSchema,
        response: {
          202: jsonResponse('The job after the cancel request', jobResourceSchema),
          ...problemResponses({ 404: 'No such job', 409: 'The job has already finished' }),
        },
      },
    },
    async (request, reply) => reply.code(202).send(await view(await app.services.jobs.cancel(request.params.id))),
  );

  app.post(
    '/jobs/:id/resume',
    {
      schema: {
        operationId: 'resumeJob',
        summary: 'Continue an ended job',
        description:
          'A failed, cancelled or completed job goes back to the queue and a worker continues it from its latest ' +
          'checkpoint, up to `iterations` (default: its own total; for a completed job give a larger one). The job ' +
          'keeps its id, metrics, samples and checkpoints; error, finishedAt, startedAt and cancelRequested are cleared ' +
          'and a status event `queued` is appended. It counts against GANFORGE_MAX_ACTIVE_JOBS like a new job.',
        tags,
        params: jobParamsSchema,
        body: resumeJobBodySchema,
        [OPTIONAL_BODY]: true,
        response: {
          202: jsonResponse('The job, queued again', jobResourceSchema),
          ...problemResponses({
            400: 'Malformed JSON, or an invalid or unknown field',
            404: 'No such job',
            409: 'The job is queued or running, has already completed at least `iterations` iterations, or its worker is still winding it down',
            415: 'Body is not application/json',
          }),
          429: withHeaders(
            problemResponse('Rate limited (code RATE_LIMITED), or too many queued and running jobs (code TOO_MANY_ACTIVE_JOBS)'),
            { 'Retry-After': { description: 'Seconds to wait before retrying (rate limits)', schema: str } },
          ),
        },
      },
      // No body at all means the defaults, as `{}` does.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => reply.code(202).send(await view(await app.services.jobs.resume(request.params.id, request.body))),
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
          ...problemResponses({ 404: 'No such job', 409: 'The job is queued or running (cancel it first), or its worker is still winding it down' }),
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
