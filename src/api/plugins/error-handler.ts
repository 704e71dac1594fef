// Maps every error to an RFC 9457 problem+json reply: validation, the error base's status and code, fastify's 4xx;
// 5xx internals hidden.
import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { PROBLEM_CONTENT_TYPE, type Problem } from '../schemas/responses.js';
import { isAppError, type AppError } from '../../errors.js';

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
  if (isAppError(err)) return sendAppError(err, request, reply);
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return sendClientError(err, request, reply, status);
  if (isRedisUnavailable(err, request)) {
    request.log.warn({ err }, 'redis unavailable');
    return sendProblem(request, reply, 503, 'UNAVAILABLE', 'the job store is unavailable; retry shortly');
  }
  request.log.error({ err }, 'request failed');
  return sendProblem(request, reply, 500, 'INTERNAL', internalErrorDetail(request));
}

/**
 * An error on the base answers with its own status, and with its code and message when it is for the client
 * (`expose`); otherwise (a storage or engine failure) the client gets INTERNAL and the log the rest.
 */
function sendAppError(err: AppError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  if (err.status === 401) reply.header('www-authenticate', 'Bearer realm="ganforge"');
  if (err.status >= 500) request.log[err.expose ? 'warn' : 'error']({ err }, 'request failed');
  if (err.expose) {
    const errors = 'errors' in err && Array.isArray(err.errors) && err.errors.length > 0 ? (err.errors as Problem['errors']) : undefined;
    return sendProblem(request, reply, err.status, err.code, err.message, errors);
  }
  return sendProblem(request, reply, err.status, 'INTERNAL', internalErrorDetail(request));
}

/**
 * A Redis command failed while the client had no connection: ioredis gave up retrying it (maxRetriesPerRequest in the
 * infrastructure plugin), or the client is not ready (closed, connecting, reconnecting). Read from the client's
 * state and the error's class, not from its message.
 */
function isRedisUnavailable(err: Error, request: FastifyRequest): boolean {
  const redis = request.server.infra?.redis;
  return err.name === 'MaxRetriesPerRequestError' || (redis !== undefined && redis.status !== 'ready');
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
