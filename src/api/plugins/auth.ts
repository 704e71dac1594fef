// Authentication and authorisation for every route: who is asking (a Bearer key, a dashboard session, a signed link),
// whether their role may, whether the job they name is their project's; and an audit line for each write.
import fp from 'fastify-plugin';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { SAMPLE_FILE } from '../schemas/artifact-schemas.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../services/errors.js';
import type { Principal } from '../services/auth-service.js';
import { signatureOf } from '../services/link-signer.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; null only on the public routes. */
    principal: Principal | null;
  }
}

export const SESSION_COOKIE = 'gf_session';

/** Probes, login, the dashboard's page and files, and the API's description answer anyone: they hold no one's data. */
const isPublic = (route: string, method: string) =>
  route === '/healthz' ||
  route === '/readyz' ||
  route === '/openapi.yaml' ||
  route === '/' ||
  (route === '/session' && method === 'POST') ||
  route.startsWith('/ui/') ||
  route.startsWith('/docs');

/** The operator's routes: key management, the workers, the Prometheus metrics and the queue board. */
const isAdminOnly = (route: string) =>
  route === '/workers' || route === '/metrics' || route === '/keys' || route.startsWith('/keys/') || route.startsWith('/admin/');

/** What a signed link opens: one job's sample images and generator, read-only. */
const LINK_ROUTES = new Set(['/samples/:file', '/jobs/:id/generator/model.json', '/jobs/:id/generator/weights.bin']);

export const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The principal of a request on a non-public route (set by the onRequest hook below). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`no principal on ${request.method} ${request.routeOptions.url}`);
  return request.principal;
}

/** One cookie's value from the Cookie header. */
export function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export default fp(
  async (app) => {
    const { auth, links } = app.services;
    const { jobs, artifacts } = app.infra;
    app.decorateRequest('principal', null);

    /** The job a request names: its :id, or the job of the sample it asks for; undefined when it names none. */
    const jobOf = async (request: FastifyRequest, route: string): Promise<string | undefined> => {
      const params = request.params as { id?: string; file?: string };
      if (route.startsWith('/jobs/:id')) return params.id;
      if (route === '/samples/:file' && params.file) return (await artifacts.getSample(SAMPLE_FILE.exec(params.file)?.[1] ?? ''))?.jobId;
      return undefined;
    };

    /** A signed link's principal: a member of the job's project, for that job's artifacts only. */
    const linkPrincipal = async (request: FastifyRequest, route: string): Promise<Principal> => {
      const carried = signatureOf(request.raw)!;
      const client = normalizeIP(request.ip);
      const jobId = (request.method === 'GET' || request.method === 'HEAD') && LINK_ROUTES.has(route) ? await jobOf(request, route) : undefined;
      if (jobId === undefined) throw new NotFoundError(`nothing exists at ${request.url.slice(0, 200)}`);
      await links.ready();
      const verdict = links.verify(jobId, carried);
      if (verdict === 'invalid') throw await auth.failed(client, 'this signed link is not valid');
      if (verdict === 'expired') throw new UnauthorizedError('this signed link has expired; get a new one from the API');
      const project = await jobs.projectOf(jobId);
      if (project === null) throw new NotFoundError(`nothing exists at ${request.url.slice(0, 200)}`);
      return { project, role: 'member', keyId: null, via: 'link' };
    };

    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url;
      // CORS preflights carry no credentials; unknown routes answer 404 whoever asks.
      if (request.method === 'OPTIONS' || route === undefined || isPublic(route, request.method)) return;
      const principal = signatureOf(request.raw)
        ? await linkPrincipal(request, route)
        : await auth.authenticate({ authorization: request.headers.authorization, session: cookie(request, SESSION_COOKIE) }, normalizeIP(request.ip));
      if (principal.via === 'metrics-token' ? route !== '/metrics' : isAdminOnly(route) && principal.role !== 'admin') {
        throw new ForbiddenError(`${request.method} ${route} needs an admin key`);
      }
      // A cookie travels with any request the browser makes; the CSRF token only with the dashboard's own.
      if (principal.via === 'session' && WRITES.has(request.method) && request.headers['x-csrf-token'] !== principal.csrf) {
        throw new ForbiddenError('a write with the session cookie needs the X-CSRF-Token header the session was given');
      }
      // Views sign links synchronously from here on.
      await links.ready();
      request.principal = principal;
    });

    // After validation, so only well-formed ids are looked up. Another project's job answers as if it did not exist.
    app.addHook('preHandler', async (request) => {
      const route = request.routeOptions.url ?? '';
      const principal = request.principal;
      if (!principal) return;
      const jobId = await jobOf(request, route);
      if (jobId === undefined) return;
      const project = await jobs.projectOf(jobId);
      if (project !== null && project !== principal.project) {
        throw new NotFoundError(route === '/samples/:file' ? `no sample ${(request.params as { file: string }).file}` : `no job ${jobId}`);
      }
    });

    app.addHook('onResponse', async (request, reply) => {
      if (!WRITES.has(request.method) || !request.principal) return;
      const { project, role, keyId, via } = request.principal;
      request.log.info(
        { audit: { project, role, keyId, via, method: request.method, route: request.routeOptions.url, url: request.url, status: reply.statusCode } },
        'audit',
      );
    });
  },
  { name: 'auth', dependencies: ['services'] },
);
