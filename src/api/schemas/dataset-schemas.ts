// Zod schemas of the dataset resources: the upload's query, a dataset as the routes answer it, and the list.
import { z } from 'zod';
import { DATASET_CHANNELS, DATASET_SIZES, DATASET_STATUSES, datasetIdSchema } from '../../contract/dataset.js';
import { displayNameSchema } from '../../contract/text.js';

export const datasetParamsSchema = z.object({
  id: datasetIdSchema.describe('Dataset id (UUID v4). A malformed id, or another project\'s, names no dataset: 404.'),
});

const choice = <T extends readonly number[]>(values: T, what: string) =>
  z
    .enum(values.map(String) as [string, ...string[]])
    .transform(Number)
    .describe(what);

export const uploadDatasetQuerySchema = z
  .object({
    name: displayNameSchema.max(200).describe('A name for the dataset'),
    size: choice(DATASET_SIZES, 'Images are resized (centre crop) to size x size pixels: 28, 32 or 64').default(28),
    channels: choice(DATASET_CHANNELS, '1 (grayscale) or 3 (RGB)').default(1),
  })
  .strict();

const classesSchema = z.array(z.object({ name: z.string(), count: z.number().int().nullable().describe('null for built-ins') }));

export const datasetResourceSchema = z
  .object({
    id: z.string().describe('UUID v4 of an upload, or the name of a built-in dataset'),
    name: z.string(),
    builtin: z.boolean(),
    status: z.enum(DATASET_STATUSES).describe('processing (a worker unpacks it), ready, or failed (see error)'),
    error: z.string().nullable().optional(),
    shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]).describe('[height, width, channels]'),
    count: z.number().int().nullable().optional().describe('Images (0 until ready); null for built-ins'),
    progress: z
      .object({
        done: z.number().int().describe('Images decoded so far (kept or skipped)'),
        total: z.number().int().describe('Images in the archive to decode'),
      })
      .nullable()
      .optional()
      .describe(
        'How far the worker is: updated a few times a second while processing; null until it has read the archive, ' +
          'done equal to total once ready. Absent for built-ins.',
      ),
    classes: classesSchema.describe('Class names sorted, with their image counts; empty: unlabelled'),
    skipped: z.array(z.object({ file: z.string(), reason: z.string() })).optional().describe('Files not used, with the reason (the first 100)'),
    skippedCount: z.number().int().optional(),
    uploadBytes: z.number().int().optional(),
    bytes: z.number().int().optional().describe('Bytes of the packed dataset in the artifact store'),
    createdAt: z.string().optional(),
    finishedAt: z.string().nullable().optional(),
    links: z.object({ self: z.string(), preview: z.string() }).optional(),
  })
  .meta({ id: 'Dataset' });

export const datasetListSchema = z.object({ datasets: z.array(datasetResourceSchema).describe('Built-ins first, then uploads newest first') });
