// Dataset routes: upload an archive (streamed, bounded), list, read, preview, delete. Thin: the service does the work.
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { normalizeIP } from '@fastify/rate-limit';
import { datasetListSchema, datasetParamsSchema, datasetResourceSchema, uploadDatasetQuerySchema } from '../schemas/dataset-schemas.js';
import { jsonResponse, problemResponse, problemResponses } from '../schemas/responses.js';
import { RAW_BODY, withHeaders } from '../schemas/openapi-transforms.js';
import { binarySchema } from '../schemas/artifact-schemas.js';
import { principalOf } from '../plugins/auth.js';
import { ClientSlots } from '../services/client-slots.js';
import { TooManyStreamsError, UnsupportedMediaTypeError } from '../services/errors.js';
import { ARCHIVE_TYPES, type DatasetRecord } from '../../contract/dataset.js';
import { timedUpload, type UploadBounds } from '../plugins/request-timeouts.js';

const tags = ['datasets'];
const str = { type: 'string' };
const TYPES = Object.keys(ARCHIVE_TYPES) as (keyof typeof ARCHIVE_TYPES)[];

const view = (r: DatasetRecord) => {
  const { project: _p, createdBy: _c, ...rest } = r;
  // Records written before progress existed have none.
  return { ...rest, progress: r.progress ?? null, builtin: false, links: { self: `/datasets/${r.id}`, preview: `/datasets/${r.id}/preview.png` } };
};

const datasetsRoutes: FastifyPluginAsyncZod<{ uploadsPerClient: number; upload: UploadBounds }> = async (app, opts) => {
  const slots = new ClientSlots(opts.uploadsPerClient);
  // Archives reach the handler as the raw request stream: no body limit or buffering of Fastify's applies to them.
  app.addContentTypeParser(TYPES, (_request, payload, done) => done(null, payload));
  // A body left unread (the upload was refused part-way) is not drained: the connection closes after the answer.
  app.addHook('onResponse', async (request) => {
    if (!request.raw.complete) request.raw.socket?.destroySoon();
  });

  app.post(
    '/datasets',
    {
      config: { longUpload: true },
      schema: {
        operationId: 'uploadDataset',
        summary: 'Upload a dataset: an archive of images, labelled by folder',
        description:
          'The body is a zip, tar or tar.gz of PNG, JPEG or WebP images. Files in first-level folders get the folder as ' +
          'their class (`cats/1.png`); an archive without folders is unlabelled. An archive holding IDX files (MNIST\'s ' +
          'format, raw or .gz: an images file and optionally a labels file) is read as IDX instead, classes named by ' +
          'label value. A worker decodes each image, converts ' +
          'it to grayscale or RGB and resizes it with a centre crop to size x size; the dataset is `processing` until ' +
          'then, and `ready` (with counts per class and the files skipped, each with a reason) or `failed` after. The ' +
          'upload stops with 413 as soon as it passes GANFORGE_DATASET_MAX_BYTES, and with 408 when it takes longer than ' +
          'GANFORGE_UPLOAD_TIMEOUT_MS in all or sends nothing for GANFORGE_UPLOAD_IDLE_TIMEOUT_MS.',
        tags,
        querystring: uploadDatasetQuerySchema,
        [RAW_BODY]: { description: 'The archive', types: TYPES },
        response: {
          202: withHeaders(jsonResponse('The dataset, processing', datasetResourceSchema), {
            Location: { description: 'URL of the dataset', schema: str, required: true },
          }),
          ...problemResponses({
            400: 'An invalid query parameter, or an empty body',
            408: 'The upload took longer than GANFORGE_UPLOAD_TIMEOUT_MS, or stalled for GANFORGE_UPLOAD_IDLE_TIMEOUT_MS',
            413: 'The archive is larger than GANFORGE_DATASET_MAX_BYTES (answered as the upload passes it)',
            415: 'The body is not application/zip, application/x-tar or application/gzip',
          }),
          429: withHeaders(problemResponse('This client uploads GANFORGE_DATASET_UPLOADS_PER_CLIENT datasets already (code TOO_MANY_STREAMS), or rate limited'), {
            'Retry-After': { description: 'Seconds to wait before retrying', schema: str },
          }),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as unknown;
      const type = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() as keyof typeof ARCHIVE_TYPES;
      if (!(body instanceof Readable) || !(type in ARCHIVE_TYPES)) {
        throw new UnsupportedMediaTypeError(`send the archive as the body with Content-Type ${TYPES.join(', ')}`);
      }
      const release = slots.acquire(normalizeIP(request.ip));
      if (!release) {
        throw new TooManyStreamsError(`this client is uploading ${opts.uploadsPerClient} datasets already; wait for one to finish`, {
          retryAfterSeconds: 5,
        });
      }
      const timed = timedUpload(body, opts.upload);
      try {
        const { project, keyId, via } = principalOf(request);
        const length = Number(request.headers['content-length']);
        const record = await app.services.datasets.upload(
          { ...request.query, format: ARCHIVE_TYPES[type], body: timed.stream, declaredBytes: Number.isFinite(length) ? length : undefined },
          { project, createdBy: keyId ?? via },
        );
        return reply.code(202).header('location', `/datasets/${record.id}`).send(view(record));
      } finally {
        timed.dispose();
        release();
      }
    },
  );

  app.get(
    '/datasets',
    {
      schema: {
        operationId: 'listDatasets',
        summary: "The built-in datasets and the project's uploads",
        tags,
        response: { 200: jsonResponse('Built-ins, then uploads newest first', datasetListSchema), ...problemResponses() },
      },
    },
    async (request) => {
      const uploads = await app.services.datasets.list(principalOf(request).project);
      return { datasets: [...app.services.datasets.builtins(), ...uploads.map(view)] };
    },
  );

  app.get(
    '/datasets/:id',
    {
      schema: {
        operationId: 'getDataset',
        summary: 'An uploaded dataset: status, shape, classes with counts, skipped files',
        tags,
        params: datasetParamsSchema,
        response: { 200: jsonResponse('The dataset', datasetResourceSchema), ...problemResponses({ 404: 'No such dataset in this project' }) },
      },
    },
    async (request) => view(await app.services.datasets.get(request.params.id, principalOf(request).project)),
  );

  app.get(
    '/datasets/:id/preview.png',
    {
      schema: {
        operationId: 'getDatasetPreview',
        summary: 'A grid of real images of the dataset: one row per class when labelled',
        tags,
        params: datasetParamsSchema,
        response: {
          200: { description: 'PNG image', content: { 'image/png': { schema: binarySchema('PNG image') } } },
          ...problemResponses({ 404: 'No such dataset in this project', 409: 'The dataset is not ready (processing or failed)' }),
        },
      },
    },
    async (request, reply) => {
      const png = await app.services.datasets.preview(request.params.id, principalOf(request).project);
      return reply.type('image/png').header('cache-control', 'private, max-age=3600').send(Buffer.from(png));
    },
  );

  app.delete(
    '/datasets/:id',
    {
      schema: {
        operationId: 'deleteDataset',
        summary: 'Delete an uploaded dataset and its files',
        description: 'Jobs that trained on it keep their artifacts. Refused while a queued or running job uses it.',
        tags,
        params: datasetParamsSchema,
        response: {
          204: z.undefined().describe('Deleted'),
          ...problemResponses({ 404: 'No such dataset in this project', 409: 'A queued or running job uses the dataset' }),
        },
      },
    },
    async (request, reply) => {
      await app.services.datasets.delete(request.params.id, principalOf(request).project);
      return reply.code(204).send();
    },
  );
};

export default datasetsRoutes;
