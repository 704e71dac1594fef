// Domain errors of the API's services: small classes on the one error base (src/errors.ts) with code, status, retry.
import { AppError } from '../../errors.js';

/** An error a service raises for a request; the error handler answers with its status and code. */
export abstract class DomainError extends AppError {}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  readonly retry = 'permanent';
}

/** The resource exists but is in a state that forbids the operation (e.g. cancelling a finished job). */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
  readonly status = 409;
  readonly retry = 'permanent';
}

/** Too many queued + running jobs (GANFORGE_MAX_ACTIVE_JOBS). */
export class TooManyActiveJobsError extends DomainError {
  readonly code = 'TOO_MANY_ACTIVE_JOBS';
  readonly status = 429;
  readonly retry = 'transient';
}

/** Too many requests from one client in the rate-limit window (Retry-After is set by the rate limiter). */
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
  readonly retry = 'transient';
}

/** An Idempotency-Key sent again with a different request body. */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  readonly status = 422;
  readonly retry = 'permanent';
}

/** The first request with this Idempotency-Key is still being processed. */
export class IdempotencyKeyInUseError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_IN_USE';
  readonly status = 409;
  readonly retry = 'transient';
}

/** A dependency (Redis) does not answer. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
  readonly status = 503;
  readonly retry = 'transient';
  /** Its messages are written for the client ("Redis did not answer within 1000 ms"). */
  override get expose(): boolean {
    return true;
  }
}

/** No credential, or one that names no key (401 with WWW-Authenticate). */
export class UnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  readonly status = 401;
  readonly retry = 'permanent';
}

/** A valid key whose role may not do this (a member asking for an admin route). */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  readonly status = 403;
  readonly retry = 'permanent';
}

/** Over one of the project's quotas; `errors` names the fields of the request that exceed it, when some do. */
export class QuotaExceededError extends DomainError {
  readonly code = 'QUOTA_EXCEEDED';
  readonly status = 422;
  readonly retry = 'permanent';
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
  readonly status = 429;
  readonly retry = 'transient';
}

/** An error about one field of the request, which the problem document's `errors` names. */
abstract class FieldError extends DomainError {
  readonly retry = 'permanent';
  readonly errors: { path: string; message: string }[];
  constructor(readonly field: string, message: string) {
    super(message);
    this.errors = [{ path: field, message }];
  }
}

/** A request parameter that does not apply to this resource (e.g. a label for a model without classes). */
export class InvalidParameterError extends FieldError {
  readonly code = 'INVALID_PARAMETER';
  readonly status = 400;
}

/** A well-formed value this resource cannot take (a class the model does not have, an image shape it cannot make). */
export class UnprocessableError extends FieldError {
  readonly code = 'UNPROCESSABLE';
  readonly status = 422;
}

/** A request body over a size limit (an upload past GANFORGE_DATASET_MAX_BYTES, as it passes it). */
export class PayloadTooLargeError extends DomainError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly status = 413;
  readonly retry = 'permanent';
}

/** A request body that did not arrive in time (a dataset upload past its total or idle bound). */
export class RequestTimeoutError extends DomainError {
  readonly code = 'REQUEST_TIMEOUT';
  readonly status = 408;
  readonly retry = 'transient';
}

/** A body in a media type this route does not take. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
  readonly retry = 'permanent';
}
