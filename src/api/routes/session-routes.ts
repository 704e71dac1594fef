// Dashboard login: a key pasted once becomes an HttpOnly, SameSite=Strict session cookie plus a CSRF token for writes.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLES } from '../../jobs/api-key-store.js';
import { jsonResponse, problemResponses } from '../schemas/responses.js';
import { SESSION_COOKIE, cookie, principalOf } from '../plugins/auth.js';
import { normalizeIP } from '@fastify/rate-limit';
import type { Principal } from '../services/auth-service.js';

const tags = ['keys'];

const sessionSchema = z
  .object({
    project: z.string(),
    role: z.enum(ROLES),
    keyId: z.string().nullable(),
    open: z.boolean().describe('The API runs open (no keys, no GANFORGE_ADMIN_TOKEN): no login needed'),
    csrfToken: z.string().nullable().describe('Send it as X-CSRF-Token with every write made with the session cookie'),
  })
  .meta({ id: 'Session' });

const view = (p: Principal) => ({ project: p.project, role: p.role, keyId: p.keyId, open: p.via === 'open', csrfToken: p.csrf ?? null });

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAge: number) {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`);
}

const sessionRoutes: FastifyPluginAsyncZod<{ ttlSeconds: number }> = async (app, opts) => {
  app.post(
    '/session',
    {
      schema: {
        operationId: 'login',
        summary: 'Log in (the dashboard): trade a key for a session cookie',
        description: 'Sets an HttpOnly, SameSite=Strict cookie; writes made with it need the returned csrfToken in X-CSRF-Token.',
        tags,
        security: [],
        body: z.object({ token: z.string().min(1).max(512) }).strict().meta({ id: 'Login' }),
        response: {
          200: jsonResponse('Logged in', sessionSchema),
          ...problemResponses({ 400: 'No token', 401: 'Unknown or revoked key', 429: 'Too many failed attempts' }),
        },
      },
    },
    async (request, reply) => {
      const { sessionId, principal } = await app.services.auth.login(request.body.token, normalizeIP(request.ip));
      setCookie(request, reply, sessionId, opts.ttlSeconds);
      return view(principal);
    },
  );

  app.get(
    '/session',
    {
      schema: {
        operationId: 'getSession',
        summary: 'Who the request is: project, role and (with the cookie) the CSRF token',
        tags,
        response: { 200: jsonResponse('The caller', sessionSchema), ...problemResponses({ 401: 'Not logged in' }) },
      },
    },
    async (request) => view(principalOf(request)),
  );

  app.delete(
    '/session',
    {
      schema: {
        operationId: 'logout',
        summary: 'Log out: ends the session and clears its cookie',
        tags,
        response: { 204: z.undefined().describe('Logged out'), ...problemResponses({ 401: 'Not logged in', 403: 'No or a wrong X-CSRF-Token' }) },
      },
    },
    async (request, reply) => {
      const id = cookie(request, SESSION_COOKIE);
      if (id) await app.services.auth.logout(id);
      setCookie(request, reply, '', 0);
      return reply.code(204).send();
    },
  );
};

export default sessionRoutes;
