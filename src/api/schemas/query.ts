// Query parameters shared by the routes: integers written as plain decimal digits, and the page of a list.
import { z } from 'zod';

/**
 * An integer query parameter between min and max: decimal digits only, so `0x10`, `+5`, `5.0` and `1e6` (which a
 * number coercion would take) are refused with 400.
 */
export const intQuery = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'an integer in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** ?limit and ?cursor of a list ordered by iteration (samples, checkpoints), like GET /jobs' paging. */
export const iterationPageQuerySchema = z.object({
  limit: intQuery(1, 1000).default(100).describe('At most this many (default 100)'),
  cursor: z
    .string()
    .regex(/^\d{1,10}$/, 'not a cursor returned by this API')
    .transform(Number)
    .optional()
    .describe('nextCursor of the previous page'),
});
