// Fastify plugin: RED metrics per route and the Prometheus scrape endpoint. Tracing of Fastify
// itself comes from @fastify/otel, registered by the SDK (see sdk.ts).
import type {} from '@fastify/swagger'; // types the `hide` schema flag
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from './metrics.ts';

export interface ObservabilityOptions {
  metrics: Metrics;
}

const observabilityPlugin: FastifyPluginAsync<ObservabilityOptions> = async (app, { metrics }) => {
  // A callback, not a promise: every request runs it, and it finishes at once.
  app.addHook('onResponse', (request, reply, done) => {
    // An event stream lasts minutes by design: as a request it would only count against the latency SLO.
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/event-stream')) return done();
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        // The route pattern, never the raw URL: ids in paths would explode label cardinality.
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
};

export const observability = fp(observabilityPlugin, { name: 'cloudpos-observability', fastify: '5.x' });
