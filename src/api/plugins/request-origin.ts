// Where a request comes from: the Host it names (against DNS rebinding) and, for writes, the page that sent it (against
// cross-site requests); writes never carry CORS headers.
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Env } from '../../config/env.js';
import { isLoopback } from '../exposure.js';
import { WRITES } from './auth.js';
import { sendProblem } from './error-handler.js';

/** Probes answer whatever name they are reached by: orchestrators use addresses. */
const PROBES = new Set(['/healthz', '/readyz']);

/** The Host header's name without its port: `[::1]:3000` -> `[::1]`, `Example.org:80` -> `example.org`. */
function hostName(request: FastifyRequest): string {
  const host = (request.host ?? '').toLowerCase();
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
}

const isLoopbackName = (name: string) => isLoopback(name) || name.endsWith('.localhost');

/** True when a browser says the request comes from a page on another site (Origin, or Sec-Fetch-Site). */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  // Host and port only, default ports dropped: behind a TLS proxy the page is https while the API sees http.
  const key = (host: string) => host.toLowerCase().replace(/:(80|443)$/, '');
  try {
    return key(new URL(origin).host) !== key(request.host ?? '');
  } catch {
    return true; // "null" (a sandboxed or file: page) and anything unparsable
  }
}

export default fp(
  async (app, opts: { env: Env }) => {
    const allowed = opts.env.GANFORGE_ALLOWED_HOSTS;
    app.addHook('onRequest', async (request, reply) => {
      if (PROBES.has(request.routeOptions.url ?? '')) return;
      const name = hostName(request);
      const hostOk = allowed ? allowed.includes(name) : isLoopbackName(name) || !(await app.services.auth.isOpen());
      if (!hostOk) {
        return sendProblem(request, reply, 421, 'HOST_NOT_ALLOWED', `this API does not answer to the host name ${JSON.stringify(name.slice(0, 100))}; see GANFORGE_ALLOWED_HOSTS`);
      }
      if (WRITES.has(request.method) && crossSite(request)) {
        return sendProblem(request, reply, 403, 'CROSS_SITE_WRITE', 'writes from pages on other sites are refused; use the API from your own code with a key');
      }
    });
    // @fastify/cors answers any method on a matching origin; a write's response must not be readable by another page.
    app.addHook('onSend', async (request, reply, payload) => {
      if (WRITES.has(request.method)) {
        for (const name of Object.keys(reply.getHeaders())) if (name.startsWith('access-control-')) reply.removeHeader(name);
      }
      return payload;
    });
  },
  { name: 'request-origin', dependencies: ['services'] },
);
