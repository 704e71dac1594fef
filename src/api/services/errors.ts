// Domain errors of the API's services: small classes with a stable `code`; the error handler maps codes to HTTP.
export abstract class DomainError extends Error {
  abstract readonly code: string;
  // Nominal: a FastifyError (which also has a code) is not a DomainError.
  readonly #domain = true;
  /** Sent as Retry-After when set: the client may try again after this many seconds. */
  readonly retryAfterSeconds?: number;
  constructor(message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = new.target.name;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
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

/** Too many requests from one client in the rate-limit window (Retry-After is set by the rate limiter). */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
}

/** An Idempotency-Key sent again with a different request body. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
}

/** The first request with this Idempotency-Key is still being processed. */
export class IdempotencyKeyInUseError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_USE';
}

/** A dependency (Redis) does not answer. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
}

/** A request parameter that does not apply to this resource (e.g. a label for a model without classes); names it. */
export class InvalidParameterError extends DomainError {
  readonly code = 'INVALID_PARAMETER';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** A well-formed value this resource cannot take (a class the model does not have, an image shape it cannot make). */
export class UnprocessableError extends DomainError {
  readonly code = 'UNPROCESSABLE';
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
