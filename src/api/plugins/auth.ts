// Authentication and authorisation for every route: who is asking (a Bearer key), whether their role may, whether
// the job they name is their project's; and an audit line for each write.
import fp from 'fastify-plugin';
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { SAMPLE_FILE } from '../schemas/artifact-schemas.js';
import { ForbiddenError, NotFoundError } from '../services/errors.js';
import type { Principal } from '../services/auth-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking; null only on the public routes. */
    principal: Principal | null;
  }
}

/** Probes, the dashboard's page and files, and the API's description answer anyone: they hold no one's data. */
const isPublic = (route: string) =>
  route === '/healthz' || route === '/readyz' || route === '/openapi.yaml' || route === '/' || route.startsWith('/ui/') || route.startsWith('/docs');

/** The operator's routes: key management, the workers, the Prometheus metrics and the queue board. */
const isAdminOnly = (route: string) =>
  route === '/workers' || route === '/metrics' || route === '/keys' || route.startsWith('/keys/') || route.startsWith('/admin/');

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The principal of a request on a non-public route (set by the onRequest hook below). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`no principal on ${request.method} ${request.routeOptions.url}`);
  return request.principal;
}

export default fp(
  async (app) => {
    const { auth } = app.services;
    const { jobs, artifacts } = app.infra;
    app.decorateRequest('principal', null);

    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url;
      // CORS preflights carry no credentials; unknown routes answer 404 whoever asks.
      if (request.method === 'OPTIONS' || route === undefined || isPublic(route)) return;
      const principal = await auth.authenticate(request.headers.authorization, normalizeIP(request.ip));
      if (principal.via === 'metrics-token' ? route !== '/metrics' : isAdminOnly(route) && principal.role !== 'admin') {
        throw new ForbiddenError(`${request.method} ${route} needs an admin key`);
      }
      request.principal = principal;
    });

    // After validation, so only well-formed ids are looked up. Another project's job answers as if it did not exist.
    app.addHook('preHandler', async (request) => {
      const route = request.routeOptions.url ?? '';
      const principal = request.principal;
      if (!principal) return;
      const params = request.params as { id?: string; file?: string };
      let jobId: string | undefined;
      if (route.startsWith('/jobs/:id')) jobId = params.id;
      else if (route === '/samples/:file' && params.file) jobId = (await artifacts.getSample(SAMPLE_FILE.exec(params.file)?.[1] ?? ''))?.jobId;
      if (jobId === undefined) return;
      const project = await jobs.projectOf(jobId);
      if (project !== null && project !== principal.project) {
        throw new NotFoundError(route === '/samples/:file' ? `no sample ${params.file}` : `no job ${jobId}`);
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
