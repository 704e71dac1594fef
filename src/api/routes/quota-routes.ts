// GET /quota: the caller's project's limits and what it uses of them.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { jsonResponse, problemResponses } from '../schemas/responses.js';
import { principalOf } from '../plugins/auth.js';

const count = z.number().int().min(0);

const quotaSchema = z
  .object({
    project: z.string(),
    limits: z
      .object({
        activeJobs: count.describe('Queued + running jobs at once (GANFORGE_QUOTA_ACTIVE_JOBS)'),
        jobExamples: count.describe('iterations x batchSize of one job (GANFORGE_QUOTA_JOB_EXAMPLES)'),
        jobBytes: count.describe("A job's estimated bytes: kept checkpoints, samples, metrics (GANFORGE_QUOTA_JOB_BYTES)"),
        storedBytes: count.describe("Bytes the project's jobs store in all (GANFORGE_QUOTA_STORED_BYTES)"),
        datasetBytes: count.describe("Bytes the project's uploaded datasets take in all (GANFORGE_QUOTA_DATASET_BYTES)"),
        maxRuntimeSeconds: count.describe('How long one run of a job may train (GANFORGE_QUOTA_MAX_RUNTIME_SECONDS)'),
        defaultKeepCheckpoints: count.describe('Checkpoints kept when a spec has no keepCheckpoints (GANFORGE_DEFAULT_KEEP_CHECKPOINTS)'),
      })
      .describe('0 means no limit'),
    usage: z.object({ activeJobs: count, storedBytes: count, datasetBytes: count }),
  })
  .meta({ id: 'Quota' });

const quotaRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/quota',
    {
      schema: {
        operationId: 'getQuota',
        summary: "The project's quotas and usage",
        tags: ['jobs'],
        response: { 200: jsonResponse("The caller's project", quotaSchema), ...problemResponses({ 401: 'No or an unknown key' }) },
      },
    },
    async (request) => {
      const { project } = principalOf(request);
      const { quota } = app.services;
      return { project, limits: quota.limits, usage: await quota.usage(project) };
    },
  );
};

export default quotaRoutes;
