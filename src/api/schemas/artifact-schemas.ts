// Zod schemas of metrics, samples, checkpoints and generator routes.
import { Readable } from 'node:stream';
import { z } from 'zod';
import { LIMITS } from '../../gan/train-config.js';
import { MAX_GENERATE } from '../services/generate-service.js';
import { jobParamsSchema, lossValueSchema } from './job-schemas.js';
import { intQuery } from './query.js';

export const metricsQuerySchema = z.object({
  since: intQuery(0, LIMITS.iterations.max).default(0).describe('Points after this iteration'),
  limit: intQuery(1, 10_000).default(1000),
  every: intQuery(1, LIMITS.iterations.max).default(1).describe('One point per this many iterations, each the mean of its window'),
  format: z.enum(['json', 'csv']).optional().describe('csv answers text/csv (so does Accept: text/csv)'),
});

export const lossPointSchema = z
  .object({ iteration: z.number().int().min(1) })
  .catchall(lossValueSchema)
  .describe("An iteration and its model's metrics by name (dLoss, dAcc, gLoss for gan; dLoss, gLoss for wgan; ...)");

export const metricsSchema = z
  .object({
    jobId: z.uuid(),
    names: z.array(z.string()).describe("The model's metric names, in order: the keys of each point after iteration"),
    points: z.array(lossPointSchema),
    nextSince: z.number().int().nullable().describe('Pass as ?since= for the next page; null when no later point is recorded yet'),
  })
  .meta({ id: 'Metrics' });

export const metricsCsvSchema = z
  .string()
  .describe('CSV with the header line iteration,<metric names> (iteration,dLoss,dAcc,gLoss for the gan, dcgan, cgan and lsgan models)');

export const sampleListSchema = z
  .object({
    samples: z.array(
      z.object({
        id: z.uuid(),
        iteration: z.number().int().min(0),
        url: z.string().describe('/samples/<id>.png'),
        signedUrl: z.string().describe('The same, signed: works without a key (an <img> or tf.loadLayersModel on any page) until its expiry, GANFORGE_LINK_TTL_SECONDS'),
        createdAt: z.iso.datetime(),
      }),
    ),
    nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
  })
  .meta({ id: 'SampleList' });

export const SAMPLE_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})\.png$/;
export const sampleParamsSchema = z.object({
  file: z.string().regex(SAMPLE_FILE).describe('<sample id>.png'),
});

export const checkpointListSchema = z
  .object({
    checkpoints: z.array(
      z.object({
        iteration: z.number().int().min(0),
        size: z.number().int().min(0).describe('Bytes of all the checkpoint files'),
        createdAt: z.iso.datetime(),
        url: z.string().describe("The checkpoint's generator, loadable with tf.loadLayersModel"),
        signedUrl: z.string().describe('The same, signed: works without a key (an <img> or tf.loadLayersModel on any page) until its expiry, GANFORGE_LINK_TTL_SECONDS'),
        archive: z.string().describe('The whole checkpoint as a tar archive of a command-line run directory, to resume it'),
      }),
    ),
    nextCursor: z.string().nullable().describe('Pass as ?cursor= for the next page; null on the last page'),
  })
  .meta({ id: 'CheckpointList' });

export const checkpointParamsSchema = jobParamsSchema.extend({
  iteration: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,6})$/)
    .transform(Number)
    .pipe(z.number().int().max(LIMITS.iterations.max))
    .describe("A checkpoint's iteration, as listed. Any other (or a malformed one) names no checkpoint: 404."),
});

export const generateQuerySchema = z.object({
  n: z.coerce.number().int().min(1).max(MAX_GENERATE).default(16).describe(`Images in the grid (at most ${MAX_GENERATE})`),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(0).describe('Seeds the noise: the same seed gives the same PNG'),
  label: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The class every image shows, for a conditional model (cgan) only; without it the classes take turns'),
  iteration: z.coerce.number().int().min(0).max(LIMITS.iterations.max).optional().describe("A checkpoint's iteration; the latest when absent"),
});

export const generatorQuerySchema = z.object({
  iteration: intQuery(0, LIMITS.iterations.max)
    .optional()
    .describe("A checkpoint's iteration; the latest checkpoint when absent"),
});

export const layersModelSchema = z
  .looseObject({
    format: z.string().optional(),
    modelTopology: z.unknown().optional(),
    weightsManifest: z.array(z.looseObject({ paths: z.array(z.string()), weights: z.array(z.unknown()) })),
  })
  .meta({ id: 'LayersModel', description: 'TensorFlow.js layers model (model.json)' });

/** Bytes sent as they are (fastify never serializes a Buffer); described as a binary string. */
export const binarySchema = (what: string) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array).meta({ type: 'string', format: 'binary', description: what });

/** Bytes streamed as they are read (fastify pipes a stream through); described as a binary string. */
export const binaryStreamSchema = (what: string) =>
  z.custom<Readable>((v) => v instanceof Readable).meta({ type: 'string', format: 'binary', description: what });
