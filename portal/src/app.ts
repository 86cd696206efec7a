// The portal as a Fastify app that never listens (server.ts does): the Stripe webhook and health
// routes, then React Router's request handler for every page, with the services in its context.
import { fastifyReactRouter } from '@mcansh/react-router-fastify';
import { createMetrics, type Logger, type Metrics } from '@cloudpos/telemetry';
import { observability } from '@cloudpos/telemetry/fastify';
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { RouterContextProvider, type ServerBuild } from 'react-router';
import type { ViteDevServer } from 'vite';
import { clientContext, servicesContext } from '#context';
import { stripeWebhookRoute } from './billing/webhook.ts';
import type { PortalRuntime } from './services.ts';

export const PORTAL_ROOT = join(import.meta.dirname, '..');

export interface AppOptions {
  runtime: PortalRuntime;
  /** Vite's dev server (`react-router dev`); without it the production build in build/ is served. */
  devServer?: ViteDevServer;
  /** JSON request logs with trace ids (server.ts); none in tests. */
  logger?: Logger;
  /** RED metrics per route and the default Node metrics at /metrics; one registry per app. */
  metrics?: Metrics;
}

export const redactTokens = (url: string) => url.replace(/([?&]token=)[^&]*/g, '$1***');

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  // E-mail links carry one-time tokens in their query: they never reach the logs.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger?.child(
    {},
    {
      serializers: {
        req: (request: { method: string; url: string }) => ({
          method: request.method,
          url: redactTokens(request.url),
        }),
      },
    },
  );
  const app = fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    trustProxy: true,
  });
  await app.register(observability, {
    metrics: options.metrics ?? createMetrics({ service: 'cloudpos-portal' }),
  });
  await app.register(stripeWebhookRoute(options.runtime.webhook));
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Event streams stay open until their client leaves: they end first, or close() would wait for them.
  app.addHook('preClose', async () => options.runtime.beginClose());
  await app.register(fastifyReactRouter, {
    ...(options.devServer
      ? { devServer: options.devServer }
      : {
          serverBuildPath: join(PORTAL_ROOT, 'build', 'server', 'index.js'),
          clientBuildDirectory: join(PORTAL_ROOT, 'build', 'client'),
          build: () => import(join(PORTAL_ROOT, 'build', 'server', 'index.js')) as Promise<ServerBuild>,
        }),
    mode: options.devServer ? 'development' : 'production',
    getLoadContext(request) {
      const context = new RouterContextProvider();
      context.set(servicesContext, options.runtime.services);
      context.set(clientContext, { address: request.ip });
      return context;
    },
  });
  return app;
}
