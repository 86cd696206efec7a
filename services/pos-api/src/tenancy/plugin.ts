// Resolves the tenant and the signed-in actor of every request under /v1, before any other hook
// (rate limits, validation, handlers), and decorates the request with `request.ctx`.
//
//   dedicated: the tenant is fixed by configuration; a host name or token naming another tenant is
//              rejected (`tenant_mismatch`).
//   pooled:    the tenant comes from the host name (<slug>.localhost, <slug>.<BASE_DOMAIN>) or the
//              token's tenant claim; when both are present they must agree (`tenant_mismatch`).
//
// Then the access token is verified with the tenant's key: every /v1 route needs one unless it says
// `config: { public: true }`. Finally a suspended (read-only) tenant's writes are refused.
//
// A tenant that does not exist is answered exactly like a real one that was sent no or bad
// credentials, so that nobody can list tenants by asking: without a token `unauthenticated`, with
// one whatever verifying it says (it cannot verify: then also `unauthenticated`). Public routes
// run as usual (validation, rate limits keyed by the named slug) and then answer with their
// `whenTenantUnknown` instead of their handler: a failed sign-in, an invalid setup code...
// Only a request that names no tenant at all is told so (`tenant_required`).
import { currentTraceparent } from '@cloudpos/telemetry';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isPortalToken, type PortalTokenVerifier } from '../auth/portal-tokens.ts';
import { bearerToken, claimedTenant, type AccessTokens } from '../auth/tokens.ts';
import { problem } from '../errors.ts';
import type { RequestContext } from './context.ts';
import type { TenantDirectory } from './directory.ts';
import { tenantSlugFromHost } from './host.ts';

export interface TenancyOptions {
  directory: TenantDirectory;
  orm: MikroORM;
  tokens: AccessTokens;
  /** Tokens the merchant portal mints for its users (ADR 0015), told apart by their issuer. */
  portalTokens: PortalTokenVerifier;
  baseDomain?: string;
  clock: () => Date;
}

/** Every route under this prefix is tenant-scoped; system routes (health, metrics, docs) are not. */
export const TENANT_ROUTE_PREFIX = '/v1/';
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function tenancy(app: FastifyInstance, options: TenancyOptions) {
  const { directory, orm, tokens, portalTokens } = options;
  app.decorate('clock', options.clock);
  app.decorateRequest('ctx', null as unknown as RequestContext);
  // Bound to no request: see RequestContext.db.
  const shared = orm.em.fork();

  app.addHook('onRequest', async (request) => {
    if (!request.routeOptions.url?.startsWith(TENANT_ROUTE_PREFIX)) return;
    const isPublic = request.routeOptions.config.public === true;
    const token = isPublic ? undefined : bearerToken(request.headers.authorization);

    const slug = resolveSlug(request, directory, options.baseDomain, token);
    const tenant = await directory.lookup(slug);
    const traceId = traceIdOf(request);
    let em: EntityManager | undefined;
    request.ctx = tenant
      ? {
          tenant,
          db: shared,
          traceId,
          // Forked when first read: it costs 2 % of a sale's CPU (MikroORM builds a unit of work and
          // rewrites its configuration twice), and a sale reads none.
          get em() {
            return (em ??= orm.em.fork({ schema: tenant.schema }));
          },
        }
      : unknownTenantContext(slug, traceId);

    if (!isPublic) {
      if (!token) throw problem('unauthenticated', 'sign in on a till to get an access token');
      // Each kind is verified only with its own key, issuer and audience: the unverified issuer
      // merely picks which check runs, and a token of one kind never passes the other's.
      request.ctx.actor = isPortalToken(token)
        ? await portalTokens.verify(token, slug, app.clock())
        : await tokens.verify(token, slug, app.clock());
      // Verified for a tenant that no longer exists (a deleted tenant's last tokens): as invalid
      // as a forged one.
      if (!tenant) throw problem('unauthenticated', 'the access token is not valid');
    }
    if (
      request.ctx.tenant.readOnly &&
      !READ_METHODS.has(request.method) &&
      request.routeOptions.config.allowWhenReadOnly !== true
    ) {
      throw problem('tenant_read_only', `tenant ${slug} is suspended: nothing can be changed`);
    }
  });

  // Public routes say how they answer for a tenant that does not exist; their handler never sees one.
  app.addHook('onRoute', (route) => {
    if (!route.url?.startsWith(TENANT_ROUTE_PREFIX) || route.config?.public !== true) return;
    const answer = route.config.whenTenantUnknown;
    if (answer === undefined) {
      throw new Error(
        `${String(route.method)} ${route.url} is public: set config.whenTenantUnknown to answer a tenant that does not exist as a failed attempt on a real one`,
      );
    }
    if (answer === 'handler') return;
    const handler = route.handler;
    route.handler = function answerOrHandle(this: FastifyInstance, request, reply) {
      return request.ctx?.unknownTenant ? answer(request, reply) : handler.call(this, request, reply);
    };
  });
}

/** The context of a tenant that does not exist: enough for hooks (slug for rate-limit keys), no database. */
function unknownTenantContext(slug: string, traceId: string): RequestContext {
  const noDatabase = new Proxy(
    {},
    {
      get() {
        throw new Error(
          `tenant ${slug} does not exist: a route used ctx.em without checking ctx.unknownTenant`,
        );
      },
    },
  );
  return {
    tenant: { slug, schema: '', currency: 'XXX', timezone: 'UTC', readOnly: false },
    // Nothing may touch the database of a tenant that does not exist; any use is a bug (500).
    em: noDatabase as RequestContext['em'],
    traceId,
    unknownTenant: true,
  };
}

function resolveSlug(
  request: FastifyRequest,
  directory: TenantDirectory,
  baseDomain: string | undefined,
  token: string | undefined,
): string {
  const fromHost = tenantSlugFromHost(request.headers.host, baseDomain);
  const fromToken = token ? claimedTenant(token) : undefined;
  if (token && !fromToken) throw problem('unauthenticated', 'the access token names no tenant');
  if (directory.mode === 'dedicated') {
    const fixed = directory.fixedSlug!;
    if (fromHost && fromHost !== fixed) {
      throw problem('tenant_mismatch', `this API serves tenant ${fixed}, the host name names ${fromHost}`);
    }
    if (fromToken && fromToken !== fixed) {
      throw problem('tenant_mismatch', `this API serves tenant ${fixed}, the token is for another tenant`);
    }
    return fixed;
  }
  if (fromHost && fromToken && fromHost !== fromToken) {
    throw problem('tenant_mismatch', `the host name names tenant ${fromHost}, the token another tenant`);
  }
  const slug = fromHost ?? fromToken;
  if (!slug) throw problem('tenant_required', 'call <tenant>.localhost or <tenant>.<base domain>');
  return slug;
}

function traceIdOf(request: FastifyRequest): string {
  // traceparent: version-traceid-spanid-flags; without tracing the request id stands in.
  return currentTraceparent()?.split('-')[1] ?? request.id;
}

export const tenancyPlugin = fp(tenancy, {
  name: 'cloudpos-tenancy',
  fastify: '5.x',
  dependencies: ['problem-details'],
});
