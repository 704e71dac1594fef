// Domain errors of the API's services: small classes with a stable `code`; the error handler maps codes to HTTP.
export abstract class DomainError extends Error {
  abstract readonly code: string;
  // Nominal: a FastifyError (which also has a code) is not a DomainError.
  readonly #domain = true;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
}

/** The resource exists but is in a state that forbids the operation (e.g. cancelling a finished job). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
}

/** Too many queued + running jobs (GANFORGE_MAX_ACTIVE_JOBS). */
export class TooManyActiveJobsError extends DomainError {
  readonly code = 'TOO_MANY_ACTIVE_JOBS';
}

/** A dependency (Redis) does not answer. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
