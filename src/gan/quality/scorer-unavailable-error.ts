// A dataset that has no usable scorer (too few images for a held-out split, a failed classifier, scoring turned off).
import { AppError } from '../../errors.js';

export class ScorerUnavailableError extends AppError {
  readonly code = 'SCORER_UNAVAILABLE';
  readonly status = 409;
  readonly retry = 'permanent';
}
