// Names people give things (jobs, keys): printable Unicode only, so no name can break a terminal, a log line or jq.
import { z } from 'zod';

/**
 * C0/C1 controls, DEL, the bidirectional embeddings, overrides and isolates (which reorder what a reader sees), line
 * and paragraph separators, and lone surrogates (which JSON parsers reject).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const UNPRINTABLE_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNPRINTABLE = new RegExp(`${UNPRINTABLE_CHAR.source}|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`);

export const displayNameSchema = z
  .string()
  .trim()
  .min(1)
  .refine((s) => !UNPRINTABLE.test(s), 'printable characters only: no control characters, bidirectional overrides or lone surrogates');
