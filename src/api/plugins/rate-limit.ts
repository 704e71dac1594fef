// Per-client rate limits (@fastify/rate-limit), counted in Redis under the configured prefix so API instances share them.
import fp from 'fastify-plugin';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Env } from '../../config/env.js';
import { redisKeys } from '../../contract/keys.js';
import { RateLimitedError } from '../services/errors.js';

/** Probes must answer however busy a client is. */
const EXEMPT = new Set(['/healthz', '/readyz']);

/** A job costs a worker minutes to hours, so creating (or resuming) one has its own, smaller budget. */
const CREATES = new Set(['/jobs', '/jobs/:id/resume']);
const isCreate = (request: FastifyRequest) => request.method === 'POST' && CREATES.has(request.routeOptions.url ?? '');

export default fp(
  async (app, opts: { env: Env }) => {
    const { env } = opts;
    await app.register(rateLimit, {
      redis: app.infra.redis,
      nameSpace: redisKeys(env.GANFORGE_PREFIX).rateLimit,
      timeWindow: env.GANFORGE_RATE_LIMIT_WINDOW_MS,
      // One counter per client and budget: `create:<ip>` for POST /jobs and resumes, `all:<ip>` for the rest.
      keyGenerator: (request) => `${isCreate(request) ? 'create' : 'all'}:${normalizeIP(request.ip)}`,
      max: async (request) => (isCreate(request) ? env.GANFORGE_RATE_LIMIT_CREATE_MAX : env.GANFORGE_RATE_LIMIT_MAX),
      allowList: (request) => EXEMPT.has(request.routeOptions.url ?? ''),
      // Without Redis the routes that need it fail anyway; the docs and the dashboard's files keep working.
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(`more than ${context.max} requests from this client in the window; retry in ${context.after}`),
    });
  },
  { name: 'rate-limit', dependencies: ['infrastructure'] },
);
