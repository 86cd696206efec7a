// Builds the POS API as a Fastify instance and never listens (server.ts does, tests use inject).
// Plugins in tiers: external (security headers, CORS, rate limits, OpenAPI), then ours (problem
// details, observability, tenancy), then routes (/v1 is tenant-scoped).
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentTraceparent, type Logger, type Metrics } from '@cloudpos/telemetry';
import { fileURLToPath } from 'node:url';
import { observability } from '@cloudpos/telemetry/fastify';
import type { MikroORM } from '@mikro-orm/postgresql';
import { fastify, type FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { portalTokenVerifier } from './auth/portal-tokens.ts';
import { accessTokens } from './auth/tokens.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { corsOriginsOf, trustedProxiesOf, type Config } from './config.ts';
import { eventRoutes, type SaleEvents } from './events/index.ts';
import { frameworkErrorHandler, problem, problemDetailsPlugin } from './errors.ts';
import { redisCounters, type RequestBudget } from './limits/counters.ts';
import { clientAddress, tenantKey } from './limits/keys.ts';
import { healthPlugin, type ReadinessCheck } from './plugins/health.ts';
import { cardPaymentProvider, paymentWebhookRoutes } from './payments/index.ts';
import { salesRoutes } from './sales/index.ts';
import { salesMetrics } from './sales/metrics.ts';
import { receiptMailService } from './sales/receipt-mail.ts';
import { writeDeferredAudit } from './staff/audit.ts';
import { staffRoutes } from './staff/routes.ts';
import { parsePinPeppers } from './staff/pin-peppers.ts';
import { pinHasher } from './staff/secrets.ts';
import { pairingService } from './staff/pairing.ts';
import { staffService } from './staff/service.ts';
import { settingsRoutes } from './settings/index.ts';
import { storeRoutes } from './stores/index.ts';
import { dedicatedDirectory, pooledDirectory } from './tenancy/directory.ts';
import type { Actor } from './tenancy/context.ts';
import { tenancyPlugin } from './tenancy/plugin.ts';
import { tillApp } from './till/plugin.ts';
import { browserSpanMetrics, traceRoutes } from './traces/index.ts';
import { markRequestSchemas, safeInputKeywords } from './validation.ts';
import { documentRoute, swaggerOptions } from './openapi.ts';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readinessChecks: ReadinessCheck[];
  /** The one MikroORM instance of the process (tenantOrmConfig); requests fork it per tenant schema. */
  orm: MikroORM;
  /** Rate-limit counters. Give it `enableOfflineQueue: false` so an outage fails fast (and is skipped). */
  redis: Redis;
  /** The tenants' sale events from their NATS accounts (server.ts); without it GET /v1/sales/events says so. */
  saleEvents?: SaleEvents;
  /** Tests move time; everything else uses the real clock. */
  clock?: () => Date;
}

export async function buildApp(deps: AppDependencies) {
  const { config } = deps;
  const clock = deps.clock ?? (() => new Date());
  const trustedProxies = trustedProxiesOf(config.TRUST_PROXY) ?? [];
  const app = fastify({
    loggerInstance: deps.logger,
    // Limits that protect the process from a single oversized request.
    bodyLimit: 1024 * 1024,
    requestTimeout: 30_000,
    // Only the listed proxies (the ingress) may say who the client is in X-Forwarded-For; with none
    // listed, the client address is the peer's. Per-address limits depend on it.
    trustProxy: trustedProxies.length > 0 ? trustedProxies : false,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true },
      plugins: [safeInputKeywords],
    },
    // A URL Fastify cannot route (bad percent-encoding, an over-long path segment) is a problem too.
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Before any route: every string and number a route accepts gets the shared checks (validation.ts).
  app.addHook('onRoute', markRequestSchemas);
  // And every route's security and error responses in the OpenAPI document (openapi.ts).
  app.addHook('onRoute', documentRoute);

  // Helmet's default headers on every answer, worked out once: they do not depend on the request,
  // and running its middleware chain (a dozen res.setHeader) was 3 % of a sale's CPU.
  const securityHeaders = helmetHeaders();
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });
  await app.register(cors, {
    // Only the listed browser origins may call the API; everything else gets no CORS headers.
    origin: corsOriginsOf(config.CORS_ORIGINS) ?? [],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-approval-id', 'traceparent'],
    exposedHeaders: ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    maxAge: 600,
  });
  const counters = redisCounters(deps.redis);
  // The items of a batch after the first count against the same limit as requests do.
  const requestBudget: RequestBudget = async (request, hits) => {
    if (hits <= 0) return 0;
    try {
      const { current } = await counters.count(requestLimitKey(request), config.RATE_LIMIT_WINDOW_MS, hits);
      // `current` includes these hits; the one before them fits while the count stays within max.
      return Math.max(0, Math.min(hits, config.RATE_LIMIT_MAX - (current - hits)));
    } catch (error) {
      // As for requests (skipOnError): a Redis outage must not take selling down.
      request.log.warn({ err: error }, 'rate limit counters unavailable: batch not limited');
      return hits;
    }
  };
  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    // Our keys as they are (limits/keys.ts), under the tenant's prefix.
    store: counters.rateLimitStore({ max: config.RATE_LIMIT_MAX, lease: config.RATE_LIMIT_LEASE }),
    // A Redis outage must not take selling down: requests then go unlimited.
    skipOnError: true,
    // Per tenant and client (the till when signed in, else the address). The tenancy hook runs
    // first, so requests outside /v1 (probes, metrics, docs) have no tenant and are not limited.
    keyGenerator: requestLimitKey,
    allowList: (request) => !request.ctx,
    errorResponseBuilder: (_request, context) =>
      problem('rate_limited', `at most ${context.max} requests per ${context.after}`, {
        headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      }),
  });
  await app.register(swagger, swaggerOptions);
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(problemDetailsPlugin);
  await app.register(observability, { metrics: deps.metrics });
  await app.register(healthPlugin, { checks: deps.readinessChecks });

  const tokens = accessTokens({ secret: config.AUTH_SECRET, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });
  await app.register(tenancyPlugin, {
    directory:
      config.TENANT_MODE === 'dedicated'
        ? dedicatedDirectory(config)
        : pooledDirectory(deps.orm, { ttlMs: config.TENANT_CACHE_TTL_MS }),
    orm: deps.orm,
    tokens,
    portalTokens: portalTokenVerifier({
      ...(config.PORTAL_TOKEN_SECRET ? { platformSecret: config.PORTAL_TOKEN_SECRET } : {}),
      ...(config.PORTAL_TOKEN_KEY && config.TENANT_SLUG
        ? { tenantKey: { tenant: config.TENANT_SLUG, key: config.PORTAL_TOKEN_KEY } }
        : {}),
    }),
    clock,
    ...(config.BASE_DOMAIN ? { baseDomain: config.BASE_DOMAIN } : {}),
  });
  // The trace a response belongs to (W3C Trace Context's traceresponse): a till, a browser's network
  // panel or curl -i shows what to look up in the trace viewer.
  // Hooks every request runs take a callback, not a promise: they finish at once.
  app.addHook('onRequest', (_request, reply, done) => {
    const traceparent = currentTraceparent();
    if (traceparent) reply.header('traceresponse', traceparent);
    done();
  });
  // Denials found inside a transaction that then rolled back are written once it has ended.
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (!request.ctx?.deferredAudit?.length) return done(null, payload);
    writeDeferredAudit(request.ctx).then(
      () => done(null, payload),
      (error: Error) => done(error),
    );
  });

  const staff = staffService({
    tokens,
    clock,
    authSecret: config.AUTH_SECRET,
    pins: pinHasher(parsePinPeppers(config.PIN_PEPPERS)),
    refreshTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
    approvalTtlSeconds: config.APPROVAL_TTL_SECONDS,
    pinMaxAttempts: config.PIN_MAX_ATTEMPTS,
    pinLockoutSeconds: config.PIN_LOCKOUT_SECONDS,
  });
  const pairing = pairingService({ clock });
  await app.register(staffRoutes, { prefix: '/v1', service: staff, pairing, config, counters });
  await app.register(catalogRoutes, { prefix: '/v1' });
  await app.register(storeRoutes, { prefix: '/v1' });
  await app.register(settingsRoutes, { prefix: '/v1' });

  const cards = cardPaymentProvider(config);
  await app.register(salesRoutes, {
    prefix: '/v1',
    clock,
    cards,
    metrics: salesMetrics(deps.metrics.registry),
    requestBudget,
    receiptMail: receiptMailService({ counters, limits: config, clock }),
  });
  if (cards) {
    await app.register(paymentWebhookRoutes, {
      prefix: '/v1',
      provider: cards,
      // Checkout asks the provider before it accepts a card tender, so an outcome needs no action
      // here yet; events are verified and recorded once (card refunds will use them).
      onPaymentEvent: async (ctx, event) => {
        app.log.info(
          { tenant: ctx.tenant.slug, event: event.type, providerRef: event.providerRef },
          'payment event',
        );
      },
    });
  }

  await app.register(traceRoutes, { prefix: '/v1', metrics: browserSpanMetrics(deps.metrics.registry) });
  await app.register(eventRoutes, { prefix: '/v1', saleEvents: deps.saleEvents });

  // The till's static app at /till/ on every host (the host names the tenant for its API calls).
  await app.register(tillApp, {
    dir: config.TILL_DIR ?? fileURLToPath(new URL('../../till/dist', import.meta.url)),
  });

  return app;
}

export type PosApi = Awaited<ReturnType<typeof buildApp>>;

/** The request rate limit's counter: per tenant and client; '' (not limited) outside /v1. */
function requestLimitKey(request: FastifyRequest): string {
  return request.ctx
    ? tenantKey(
        request.ctx.tenant.slug,
        'requests',
        rateLimitClient(request.ctx.actor) ?? clientAddress(request.ip),
      )
    : '';
}

/** Whose requests share a rate limit: a till's, or one portal user's; else the client address. */
function rateLimitClient(actor: Actor | undefined): string | undefined {
  if (!actor) return undefined;
  return actor.kind === 'staff' ? actor.deviceId : `portal:${actor.portalUserId}`;
}

/** The headers helmet's default middleware sets (it reads nothing from the request). */
export function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let failed: unknown;
  helmet()(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => (failed = error),
  );
  if (failed) throw failed as Error;
  return headers;
}
