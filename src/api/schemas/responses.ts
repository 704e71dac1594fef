// Response entries of the routes: RFC 9457 problem details (the one error body of the API) and described JSON bodies.
import { z } from 'zod';
import type { $ZodType } from 'zod/v4/core';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemSchema = z
  .object({
    type: z.string().describe('URI naming the kind of problem; stable, e.g. urn:ganforge:problem:not-found'),
    title: z.string().describe('Short summary of the kind of problem'),
    status: z.number().int().min(400).max(599),
    detail: z.string().describe('What went wrong with this request'),
    instance: z.string().describe('The request path (and query) the problem occurred on'),
    code: z.string().describe('Stable machine-readable error code, e.g. NOT_FOUND'),
    requestId: z.string().describe('The request id, also in the x-request-id header and in the logs'),
    errors: z
      .array(z.object({ path: z.string().describe('e.g. body.iterations, query.limit'), message: z.string() }))
      .optional()
      .describe('One entry per invalid field (validation errors only)'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;

/** A response entry whose body is a problem document. */
export function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } };
}

/** Client and server errors every route can answer with (any 4xx/5xx carries a problem body). */
export function problemResponses(specific: Record<number, string> = {}) {
  const out: Record<string, ReturnType<typeof problemResponse>> = {};
  for (const [code, description] of Object.entries(specific)) out[code] = problemResponse(description);
  out['4xx'] = problemResponse('Client error: malformed URL or query, unsupported media type, oversized body, ...');
  out['5xx'] = problemResponse('Server error (internals are logged under the request id, never returned)');
  return out;
}

/** A JSON response entry with its own description (a schema with an id stays a $ref). */
export function jsonResponse<T extends $ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}
