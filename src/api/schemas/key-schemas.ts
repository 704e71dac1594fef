// Zod schemas of the API-key routes: what POST /keys accepts and what the key routes answer.
import { z } from 'zod';
import { ROLES } from '../../jobs/api-key-store.js';
import { displayNameSchema } from '../../contract/text.js';

export const projectSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and -, starting with a letter or digit, at most 63')
  .describe('The project the key belongs to: it sees and changes only this project\'s jobs');

export const createKeyBodySchema = z
  .object({
    project: projectSchema,
    role: z.enum(ROLES).describe('admin: also manages keys and reads /workers, /metrics and the queue board; member: jobs only'),
    name: displayNameSchema.max(100).optional().describe('A label to recognise the key by, e.g. who holds it'),
  })
  .strict()
  .meta({ id: 'CreateKey' });

const keyFields = {
  id: z.string().describe('Key id (not secret): what DELETE /keys/{id} takes'),
  project: z.string(),
  role: z.enum(ROLES),
  name: z.string().nullable(),
  createdAt: z.iso.datetime(),
};

export const keySchema = z.object(keyFields).meta({ id: 'ApiKey' });

export const createdKeySchema = z
  .object({ ...keyFields, token: z.string().describe('The secret: send it as Authorization: Bearer <token>. Shown only in this response.') })
  .meta({ id: 'CreatedApiKey' });

export const keyListSchema = z.object({ keys: z.array(keySchema) }).meta({ id: 'ApiKeyList' });

export const keyParamsSchema = z.object({ id: z.string().regex(/^key_[0-9a-f]{16}$/).describe('Key id') });
