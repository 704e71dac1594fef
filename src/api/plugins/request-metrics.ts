// Times every answered request into the Prometheus latency histogram, labelled by route pattern (not the raw URL).
import fp from 'fastify-plugin';

export default fp(
  async (app) => {
    app.addHook('onResponse', async (request, reply) => {
      // An unmatched URL has no pattern; one label for all of them keeps the series count bounded.
      const route = request.routeOptions.url ?? '(unmatched)';
      app.services.prometheus.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
  },
  { name: 'request-metrics', dependencies: ['services'] },
);
