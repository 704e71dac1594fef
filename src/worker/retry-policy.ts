// Whether a failed training attempt is worth another: read from the error base (src/errors.ts), never from messages.
import { UnrecoverableError } from 'bullmq';
import { retryOf } from '../errors.js';

/**
 * Permanent: the same job fails the same way again (a diverged run, a bad checkpoint, a missing or corrupt dataset,
 * a dataset a scorer cannot be made for (ScorerUnavailableError), storage that needs an operator: disk full,
 * read-only, no such bucket), so it fails at once with the cause. The training and quality queues share this policy.
 * Transient storage errors (network, 5xx) and errors nobody foresaw are retried with backoff.
 */
export function isPermanent(err: unknown): boolean {
  return err instanceof UnrecoverableError || retryOf(err) === 'permanent';
}
