// Builds the POS API as a Fastify instance and never listens (server.ts does, tests use inject).
// Plugins in tiers: external (security headers, CORS, OpenAPI), then ours, then routes.
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger, Metrics } from '@cloudpos/telemetry';
import { observability } from '@cloudpos/telemetry/fastify';
import { fastify } from 'fastify';
import type { Config } from './config.ts';
import { problemDetailsPlugin } from './errors.ts';
import { healthPlugin, type ReadinessCheck } from './plugins/health.ts';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readinessChecks: ReadinessCheck[];
}

export async function buildApp(deps: AppDependencies) {
  const app = fastify({
    loggerInstance: deps.logger,
    // Limits that protect the process from a single oversized request.
    bodyLimit: 1024 * 1024,
    requestTimeout: 30_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(helmet, { global: true });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CloudPOS POS API',
        version: '0.1.0',
        description: 'The point-of-sale API of one CloudPOS tenant.',
      },
      tags: [{ name: 'system', description: 'Health, readiness and metrics' }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(problemDetailsPlugin);
  await app.register(observability, { metrics: deps.metrics });
  await app.register(healthPlugin, { checks: deps.readinessChecks });

  return app;
}

export type PosApi = Awaited<ReturnType<typeof buildApp>>;
