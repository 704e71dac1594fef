// Security headers on every response (@fastify/helmet), with a Content-Security-Policy the dashboard and /docs work under.
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';

export default fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        // Spelled out rather than helmet's defaults plus changes, so the policy can be read here.
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          // uPlot and Swagger UI position elements with style attributes.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          // No upgrade-insecure-requests: the API is often served over plain HTTP on a LAN, where it would break pages.
        },
      },
    });
  },
  { name: 'security-headers' },
);
