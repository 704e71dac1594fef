// CORS (@fastify/cors) for reads only: pages on other origins may show jobs, samples and load the generator, not change jobs.
import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import type { Env } from '../../config/env.js';

/** Routes whose responses are meant to be embedded elsewhere, even by an <img> without a crossorigin attribute. */
const EMBEDDABLE = [/^\/samples\//, /^\/jobs\/[^/]+\/generator\//];

export default fp(
  async (app, opts: { env: Env }) => {
    const origins = opts.env.GANFORGE_CORS_ORIGINS;
    if (origins === false) return;
    // An OPTIONS that is no CORS preflight gets what it got without CORS, a 404 problem, not the plugin's text/plain 400.
    app.addHook('onRequest', async (request, reply) => {
      if (request.method === 'OPTIONS' && !(request.headers.origin && request.headers['access-control-request-method'])) {
        reply.callNotFound();
        return reply;
      }
    });
    await app.register(cors, {
      origin: origins,
      // POST, DELETE and the cancel action get no CORS headers: a browser refuses them from another origin's page.
      methods: ['GET', 'HEAD'],
      // A notebook on another origin may send its own key (no cookie ever goes along: credentials is false).
      allowedHeaders: ['authorization', 'last-event-id', 'if-none-match', 'accept', 'x-request-id'],
      exposedHeaders: ['etag', 'location', 'retry-after', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      credentials: false,
      maxAge: 600,
    });
    // helmet's Cross-Origin-Resource-Policy same-origin would block <img src> of a sample on another origin's page.
    if (origins === '*') {
      app.addHook('onSend', async (request, reply, payload) => {
        if (EMBEDDABLE.some((re) => re.test(request.url))) reply.header('cross-origin-resource-policy', 'cross-origin');
        return payload;
      });
    }
  },
  { name: 'cors', dependencies: ['security-headers'] },
);
