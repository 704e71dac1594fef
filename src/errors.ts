// The one error base: a stable `code`, the HTTP status the API answers with, and whether another attempt can help.
// The API's error handler, the worker's retry policy and the CLIs read these fields, never the message text.

/** `permanent`: the same input fails again (fail the job at once); `transient`: a later attempt may succeed. */
export type Retry = 'permanent' | 'transient';

export interface AppErrorOptions {
  cause?: unknown;
  /** Sent as Retry-After when set: the client may try again after this many seconds. */
  retryAfterSeconds?: number;
}

export abstract class AppError extends Error {
  /** Stable, UPPER_SNAKE: the problem document's `code` and what clients match on. */
  abstract readonly code: string;
  /** The HTTP status the API answers with when this error reaches a request. */
  abstract readonly status: number;
  abstract readonly retry: Retry;
  /** Whether the API shows the message to the client: by default 4xx only; a 5xx's detail stays in the log. */
  get expose(): boolean {
    return this.status < 500;
  }
  readonly retryAfterSeconds?: number;
  // Nominal: an error from elsewhere with the same fields (a FastifyError has a code too) is not an AppError.
  readonly #app = true;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  static is(err: unknown): err is AppError {
    return typeof err === 'object' && err !== null && #app in err;
  }
}

export const isAppError = (err: unknown): err is AppError => AppError.is(err);

/**
 * Whether a worker should try a failed job again. An error that is not an AppError is a bug or a blip we did not
 * foresee: transient, so BullMQ's bounded attempts and backoff decide.
 */
export function retryOf(err: unknown): Retry {
  return isAppError(err) ? err.retry : 'transient';
}
