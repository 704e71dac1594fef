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

/** No credential, or one that names no key (401 with WWW-Authenticate). */
export class UnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
}

/** A valid key whose role may not do this (a member asking for an admin route). */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

/** Over one of the project's quotas; `errors` names the fields of the request that exceed it, when some do. */
export class QuotaExceededError extends DomainError {
  readonly code = 'QUOTA_EXCEEDED';
  constructor(
    message: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** A client holds as many event streams (or archive downloads) open as it may. */
export class TooManyStreamsError extends DomainError {
  readonly code = 'TOO_MANY_STREAMS';
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
