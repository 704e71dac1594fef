// Zod schemas of the job resources: what POST /jobs accepts and what the job routes answer.
import { z } from 'zod';
import { JOB_STATUSES, extendEach, jobIdSchema, jobSpecSchema } from '../../contract/job.js';
import { jobQualitySchema, qualityPointSchema } from '../../contract/quality.js';
import { commonOptions, scheduleOptions } from '../../gan/models/common-options.js';
import { intQuery } from './query.js';

export const jobParamsSchema = z.object({
  id: jobIdSchema.describe('Job id (UUID v4). A malformed id names no job: 404.'),
});

/** The job spec, except that an absent seed means "pick one" (the picked seed is recorded in the job's spec). */
export const createJobBodySchema = z
  .discriminatedUnion(
    'model',
    extendEach(jobSpecSchema.options, {
      seed: scheduleOptions.seed
        .unwrap()
        .optional()
        .describe('Random seed; when absent a random one is picked and recorded in the spec, so a run can be repeated'),
    }),
  )
  .meta({
    id: 'CreateJob',
    description:
      'Training hyperparameters of one model (`model`, default gan; each model has its own options and defaults); ' +
      'every field is optional, unknown fields and the options of other models are rejected',
  });

/** POST /jobs/:id/resume: optionally a new total of iterations, with the same limits as POST /jobs. */
export const resumeJobBodySchema = z
  .object({
    iterations: commonOptions.iterations
      .unwrap()
      .optional()
      .describe(
        "The new total of iterations (the job's spec.iterations becomes this). Default: the job's own total. Must exceed " +
          'the iterations the job has completed.',
      ),
  })
  .strict()
  .meta({ id: 'ResumeJob', description: 'Every field is optional (so is the body); unknown fields are rejected' });

export const jobSpecOutputSchema = jobSpecSchema.meta({ id: 'JobSpec', description: 'The complete spec the job trains with' });

const isoDate = z.iso.datetime();
/** A loss or accuracy; JSON has no NaN or Infinity, so a diverged value is null. */
export const lossValueSchema = z.number().nullable();

export const qualityPointOutputSchema = qualityPointSchema.meta({
  id: 'QualityPoint',
  description: "A scored checkpoint: Fréchet distance (lower is better) and Inception Score (higher is better) of the generator's images",
});
export const jobQualityOutputSchema = jobQualitySchema.meta({
  id: 'JobQuality',
  description: "The job's scorer (null before its worker has loaded the dataset) and its quality points by iteration, ascending",
});

/**
 * `latest`: the metrics of the last completed iteration by name (dLoss, dAcc and gLoss for the Keras-GAN models,
 * dLoss (the critic's) and gLoss for wgan), and `quality`, the newest scored checkpoint. Clients
 * that list the metrics take the model's metric names (GET /jobs/{id}/metrics `names`) or skip `quality`.
 */
const latestSchema = z
  .object({ quality: qualityPointOutputSchema.nullable().describe('The newest quality point (highest iteration); null before the first') })
  .catchall(lossValueSchema)
  .describe("The model's metrics of the last completed iteration by name, and the newest quality point");

export const jobResourceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    status: z.enum(JOB_STATUSES),
    spec: jobSpecOutputSchema,
    progress: z.object({
      iteration: z.number().int().min(0).describe('Completed iterations'),
      iterations: z.number().int().min(1),
      itPerSec: z.number().nullable().describe('Recent training speed; null before the first report'),
      etaSeconds: z.number().int().min(0).nullable().describe('Estimated seconds to completion while running'),
    }),
    latest: latestSchema.nullable().describe('Losses of the last completed iteration and the newest quality point; null before the first iteration'),
    project: z.string().describe('The project the job belongs to (that of the key that created it)'),
    createdBy: z.string().describe('Who created it: an API key id, `admin-token`, or `open` (no authentication)'),
    createdAt: isoDate,
    startedAt: isoDate.nullable(),
    finishedAt: isoDate.nullable(),
    error: z.string().nullable(),
    cancelRequested: z.boolean().describe('A cancel was asked for; the worker stops the run at its next check'),
    backend: z.string().nullable().describe("TensorFlow.js backend the worker trains on, with its native kernel provider, e.g. 'wasm+onednn' (products on oneDNN) or 'wasm+openblas'"),
    dataset: z.object({ name: z.string(), source: z.string(), count: z.number().int() }).nullable(),
    links: z.object({
      self: z.string(),
      metrics: z.string(),
      events: z.string(),
      samples: z.string(),
      checkpoints: z.string(),
      generator: z.string(),
      signedGenerator: z
        .string()
        .describe('The generator (latest checkpoint), signed: tf.loadLayersModel works on any page without a key until its expiry'),
      cancel: z.string(),
    }),
  })
  .meta({ id: 'Job' });
export type JobResource = z.infer<typeof jobResourceSchema>;

/** At most this many jobs by ?ids= (the compare view compares 2 to 8). */
const MAX_IDS = 8;

const idsQuery = z
  .string()
  .transform((raw, ctx) => {
    const ids = raw.split(',');
    const refuse = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (ids.length > MAX_IDS) return refuse(`at most ${MAX_IDS} job ids, got ${ids.length}`);
    const bad = ids.find((id) => !jobIdSchema.safeParse(id).success);
    if (bad !== undefined) return refuse(`${JSON.stringify(bad.slice(0, 40))} is not a job id (a UUID v4)`);
    const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
    if (repeated !== undefined) return refuse(`job ${repeated} is named twice`);
    return ids;
  })
  .optional()
  .describe(
    `Up to ${MAX_IDS} job ids, comma-separated: these jobs in this order (status, limit and cursor do not apply; ` +
      'nextCursor is null). An id that names no job of your project answers 404, as GET /jobs/{id} does.',
  );

export const listJobsQuerySchema = z.object({
  ids: idsQuery,
  status: z.enum(JOB_STATUSES).optional(),
  limit: intQuery(1, 100).default(20),
  cursor: z
    .string()
    .regex(/^[0-9a-z]{1,12}$/, 'not a cursor returned by this API')
    .optional()
    .describe('nextCursor of the previous page'),
});

export const jobListSchema = z
  .object({
    jobs: z.array(jobResourceSchema),
    nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
  })
  .meta({ id: 'JobList' });
