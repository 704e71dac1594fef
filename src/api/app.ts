// buildApp(config): the API as a Fastify instance, ready for app.inject in tests or listen() in server.ts.
import crypto from 'node:crypto';
import { handleClientError } from './client-error.js';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Env } from '../config/env.js';
import auth from './plugins/auth.js';
import cors from './plugins/cors.js';
import errorHandler, { handleFrameworkError } from './plugins/error-handler.js';
import infrastructure from './plugins/infrastructure.js';
import queueBoard from './plugins/queue-board.js';
import rateLimit from './plugins/rate-limit.js';
import requestMetrics from './plugins/request-metrics.js';
import securityHeaders from './plugins/security-headers.js';
import services from './plugins/services.js';
import swagger from './plugins/swagger.js';
import scoreRoutes from './routes/score-routes.js';
import artifactsRoutes from './routes/artifacts-routes.js';
import eventsRoutes from './routes/events-routes.js';
import healthRoutes from './routes/health-routes.js';
import jobsRoutes from './routes/jobs-routes.js';
import datasetsRoutes from './routes/datasets-routes.js';
import keysRoutes from './routes/keys-routes.js';
import sessionRoutes from './routes/session-routes.js';
import quotaRoutes from './routes/quota-routes.js';
import { rewriteSignedUrl } from './services/link-signer.js';
import requestOrigin from './plugins/request-origin.js';
import requestTimeouts from './plugins/request-timeouts.js';
import metricsRoutes from './routes/metrics-routes.js';
import qualityRoutes from './routes/quality-routes.js';
import prometheusRoutes from './routes/prometheus-routes.js';
import workersRoutes from './routes/workers-routes.js';
import dashboard from '../dashboard/dashboard-plugin.js';

export interface BuildAppOptions {
  env: Env;
  /** Fastify's logger option; defaults to pino at LOG_LEVEL. Tests pass false. */
  logger?: FastifyServerOptions['logger'];
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildApp({ env, logger }: BuildAppOptions) {
  const app = Fastify({
    // Credentials never reach the log, whatever a serializer is later asked to include.
    logger: logger ?? { level: env.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'] },
    bodyLimit: env.GANFORGE_BODY_LIMIT,
    // A body trickled in a byte at a time must not hold a connection for ever. Node's requestTimeout is one bound for
    // the whole server: it is the dataset upload's (headers, then GANFORGE_UPLOAD_TIMEOUT_MS of body), and the
    // request-timeouts plugin holds every other route to GANFORGE_REQUEST_TIMEOUT_MS; headers get that one too. Node
    // checks every connectionsCheckingInterval (30 s by default), so that is set to a fraction of the shorter bound.
    requestTimeout: env.GANFORGE_REQUEST_TIMEOUT_MS + env.GANFORGE_UPLOAD_TIMEOUT_MS,
    http: {
      headersTimeout: env.GANFORGE_REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(30_000, Math.max(250, env.GANFORGE_REQUEST_TIMEOUT_MS / 4)),
    },
    clientErrorHandler: handleClientError,
    // Behind a load balancer, request.ip (the rate limits' key) is the client's address, not the balancer's.
    trustProxy: env.GANFORGE_TRUST_PROXY,
    // A caller's x-request-id (when it looks like an id) ties our logs to theirs; it is echoed on every response.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
    frameworkErrors: handleFrameworkError,
    // Signed artifact links carry their signature as a path prefix, taken off before routing.
    rewriteUrl: rewriteSignedUrl,
    // The error-handler plugin answers requests that arrive while closing, as problem+json.
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: any other body is 415 rather than a string that then fails validation.
  app.removeContentTypeParser('text/plain');

  app.register(errorHandler);
  app.register(requestTimeouts, { requestTimeoutMs: env.GANFORGE_REQUEST_TIMEOUT_MS });
  app.register(securityHeaders);
  app.register(cors, { env });
  app.register(infrastructure, { env });
  // Before the routes: it hooks each route as it is added.
  app.register(rateLimit, { env });
  app.register(services, { env });
  // Before the routes, like the rate limits.
  app.register(requestOrigin, { env });
  app.register(auth);
  app.register(requestMetrics);
  app.register(swagger);
  app.register(healthRoutes);
  app.register(jobsRoutes);
  app.register(datasetsRoutes, {
    uploadsPerClient: env.GANFORGE_DATASET_UPLOADS_PER_CLIENT,
    upload: { totalMs: env.GANFORGE_UPLOAD_TIMEOUT_MS, idleMs: env.GANFORGE_UPLOAD_IDLE_TIMEOUT_MS },
  });
  app.register(metricsRoutes);
  app.register(qualityRoutes);
  app.register(eventsRoutes, { maxPerClient: env.GANFORGE_SSE_MAX_PER_CLIENT, maxSeconds: env.GANFORGE_SSE_MAX_SECONDS });
  app.register(scoreRoutes);
  app.register(artifactsRoutes, { archivesPerClient: env.GANFORGE_ARCHIVE_MAX_PER_CLIENT });
  app.register(prometheusRoutes);
  app.register(workersRoutes);
  app.register(keysRoutes);
  app.register(quotaRoutes);
  app.register(sessionRoutes, { ttlSeconds: env.GANFORGE_SESSION_TTL_SECONDS });
  app.register(dashboard);
  if (env.GANFORGE_QUEUE_BOARD) app.register(queueBoard);
  return app;
}

export type App = ReturnType<typeof buildApp>;
