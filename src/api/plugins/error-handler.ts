// Maps every error to an RFC 9457 problem+json reply: validation, domain codes, fastify's 4xx; 5xx internals hidden.
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { PROBLEM_CONTENT_TYPE, type Problem } from '../schemas/responses.js';
import { isDomainError } from '../services/errors.js';

const DOMAIN_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_ACTIVE_JOBS: 429,
  RATE_LIMITED: 429,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_USE: 409,
  UNAVAILABLE: 503,
  INVALID_PARAMETER: 400,
  UNPROCESSABLE: 422,
};

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_CONTENT_LENGTH',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_BAD_URL: 'BAD_URL',
};

/** The problem document of this request; sendProblem sends it, an onSend hook can return it as the payload. */
export function problemDocument(request: FastifyRequest, status: number, code: string, detail: string, errors?: Problem['errors']): Problem {
  return {
    type: `urn:ganforge:problem:${code.toLowerCase().replace(/_/g, '-')}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.slice(0, 2048),
    code,
    requestId: String(request.id),
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  errors?: Problem['errors'],
): FastifyReply {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problemDocument(request, status, code, detail, errors));
}

/** A 5xx says no more than this: the cause is in the log under the request id. */
export const internalErrorDetail = (request: FastifyRequest) =>
  `an unexpected error occurred; quote request id ${request.id} when reporting it`;

/** The code of a 4xx that has none of its own: the status's name, e.g. METHOD_NOT_ALLOWED. */
export const codeOfStatus = (status: number) => (STATUS_CODES[status] ?? 'Bad Request').toUpperCase().replace(/\W+/g, '_');

type ValidationIssue = { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> };

/** One `{path, message}` per bad field; unknown keys are listed one by one. */
function fieldErrors(where: string, issues: ValidationIssue[]): NonNullable<Problem['errors']> {
  const at = (instancePath: string, ...more: string[]) =>
    [where, ...instancePath.split('/').filter(Boolean), ...more].join('.');
  return issues.flatMap((issue) =>
    issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params.keys)
      ? (issue.params.keys as string[]).map((key) => ({ path: at(issue.instancePath, key), message: 'unknown field' }))
      : [{ path: at(issue.instancePath), message: issue.message ?? 'invalid' }],
  );
}

export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = err.validationContext ?? 'request';
    // Path parameters are ids and file names: one that does not parse names nothing that could exist.
    if (context === 'params') return sendProblem(request, reply, 404, 'NOT_FOUND', `nothing exists at ${request.url.slice(0, 200)}`);
    const where = context === 'querystring' ? 'query' : context;
    const errors = fieldErrors(where, err.validation as unknown as ValidationIssue[]);
    return sendProblem(request, reply, 400, 'VALIDATION_FAILED', `invalid request ${where}: ${errors.map((e) => e.path).join(', ')}`, errors);
  }
  if (isDomainError(err)) {
    if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
    const field = 'field' in err && typeof err.field === 'string' ? [{ path: err.field, message: err.message }] : undefined;
    return sendProblem(request, reply, DOMAIN_STATUS[err.code] ?? 500, err.code, err.message, field);
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendClientError(err, request, reply, status);
  if (isRedisUnavailable(err)) {
    request.log.warn({ err }, 'redis unavailable');
    return sendProblem(request, reply, 503, 'UNAVAILABLE', 'the job store is unavailable; retry shortly');
  }
  request.log.error({ err }, 'request failed');
  return sendProblem(request, reply, 500, 'INTERNAL', internalErrorDetail(request));
}

/** ioredis gave up on a command because it has no connection (see maxRetriesPerRequest in the infrastructure plugin). */
function isRedisUnavailable(err: Error): boolean {
  return err.name === 'MaxRetriesPerRequestError' || /^Connection is closed\.?$|ECONNREFUSED|ETIMEDOUT/.test(err.message);
}

/** Fastify's own 4xx (body parsing, URL decoding): their messages are safe to show. */
function sendClientError(err: FastifyError, request: FastifyRequest, reply: FastifyReply, status: number): FastifyReply {
  const code = FASTIFY_CODES[err.code] ?? codeOfStatus(status);
  const detail =
    err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? `unsupported Content-Type ${JSON.stringify(String(request.headers['content-type']).slice(0, 100))}; send application/json`
      : err.message.slice(0, 300);
  return sendProblem(request, reply, status, code, detail);
}

/** For fastify's frameworkErrors option: errors raised before routing (a malformed URL, a too long path parameter). */
export function handleFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // No hook runs for these, so neither helmet's headers nor the request id would be set: the ones a JSON error needs.
  reply
    .header('x-request-id', request.id)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
  sendClientError(err, request, reply, err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400);
}

export default fp(
  async (app) => {
    app.setErrorHandler(handleError);
    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`),
    );
    app.addHook('onSend', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    // While closing, requests that arrive on open connections get a problem+json 503 (fastify's own is plain JSON,
    // return503OnClosing is off in app.ts); requests already in flight complete.
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', async (request, reply) => {
      if (!closing) return;
      reply.header('connection', 'close').header('retry-after', '1');
      return sendProblem(request, reply, 503, 'SHUTTING_DOWN', 'this API instance is shutting down; retry on another');
    });
  },
  { name: 'error-handler' },
);
