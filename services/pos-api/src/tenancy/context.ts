// The explicit context every tenant-scoped request carries and every service takes as its first
// argument (as Vendure's RequestContext): which tenant, its EntityManager, who is acting, which trace.
import type { StaffRole } from '@cloudpos/tenant-db';
import type { SqlTransaction } from '../db/sql.ts';
import type { AuditInput } from '../staff/audit.ts';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem } from '../errors.ts';

export interface TenantInfo {
  slug: string;
  /** The tenant's Postgres schema (tenant_<slug>): qualify raw SQL with it. */
  schema: string;
  /** ISO 4217 code of the tenant's money ('XXX' when the tenant has not configured one). */
  currency: string;
  /** IANA time zone, for business days and receipts. */
  timezone: string;
  /** Suspended: reads work, writes are rejected with `tenant_read_only`. */
  readOnly: boolean;
}

/** The signed-in staff member, from a verified access token. */
export interface StaffActor {
  kind: 'staff';
  staffId: string;
  role: StaffRole;
  deviceId: string;
}

/**
 * A merchant portal user (owner or manager of the merchant account) acting through the portal with
 * a portal token (ADR 0015): the permission matrix applies to their role; there is no till.
 */
export interface PortalActor {
  kind: 'portal';
  portalUserId: string;
  role: 'owner' | 'manager';
}

export type Actor = StaffActor | PortalActor;

/** A manager approval consumed by `requirePermission` for this request. */
export interface ConsumedApproval {
  id: string;
  approverStaffId: string;
}

export interface RequestContext {
  tenant: TenantInfo;
  /**
   * A MikroORM EntityManager forked for this request with the tenant's schema: every entity query it
   * builds is qualified with that schema. One per request, forked when first read (tenancy plugin);
   * open transactions with `inTransaction` (db/sql.ts).
   */
  em: EntityManager;
  /**
   * The ORM's EntityManager shared by every request, bound to none (no schema, no transaction):
   * `inTransaction` opens transactions on its Kysely client and converts driver errors with it, so
   * a request whose transaction runs only raw SQL (a sale) forks no EntityManager. Else `em` does.
   */
  db?: EntityManager;
  /** Inside `inTransaction`: the transaction's connection, for raw SQL (db/sql.ts). */
  transaction?: SqlTransaction;
  /** Present on every route that is not `config: { public: true }`. */
  actor?: Actor;
  /** The manager approval this request used, when the permission matrix asked for one. */
  approval?: ConsumedApproval;
  /** Audit entries to write once the request's transaction has ended (see deferAudit). */
  deferredAudit?: AuditInput[];
  /** The OpenTelemetry trace id (or the request id without tracing), for audit rows and logs. */
  traceId: string;
  /**
   * The request names a tenant that does not exist. Only public routes get this far with it (the
   * others answer `unauthenticated`, as for a real tenant without a valid token), and their
   * `whenTenantUnknown` answers instead of their handler. `em` is then unusable.
   */
  unknownTenant?: true;
}

/**
 * How a public route answers for a tenant that does not exist: exactly as it answers a failed
 * attempt on a real one (same status, code and body), so that the answers do not tell which
 * tenants exist. It runs where the handler would (after validation and rate limits). 'handler':
 * the handler itself copes (it must not use `ctx.em`).
 */
export type UnknownTenantAnswer = ((request: FastifyRequest, reply: FastifyReply) => unknown) | 'handler';

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's clock (tests move it): token lifetimes, lockouts and approvals use it. */
    clock: () => Date;
  }
  interface FastifyRequest {
    /**
     * Set by the tenancy plugin before any other hook on every route under /v1 (null elsewhere:
     * health, metrics, docs).
     */
    ctx: RequestContext;
  }
  interface FastifyContextConfig {
    /** No access token needed (sign-in, refresh, setup); the tenant then comes from the host name. */
    public?: boolean;
    /** Allowed for a suspended tenant even though the method writes (sign-in, sign-out). */
    allowWhenReadOnly?: boolean;
    /** Required on public routes under /v1 (checked at boot): see UnknownTenantAnswer. */
    whenTenantUnknown?: UnknownTenantAnswer;
  }
}

/** The signed-in actor, or `unauthenticated`; for services that need one. */
export function actorOf(ctx: RequestContext): Actor {
  if (!ctx.actor) throw problem('unauthenticated');
  return ctx.actor;
}

/** The staff member signed in on a till, for what only happens on a till (selling, approvals). */
export function staffActorOf(ctx: RequestContext): StaffActor {
  const actor = actorOf(ctx);
  if (actor.kind !== 'staff')
    throw problem('forbidden', 'this is done on a till, by a signed-in staff member');
  return actor;
}

/** The till the request comes from, when a staff member is signed in on one. */
export const deviceIdOf = (ctx: RequestContext): string | undefined =>
  ctx.actor?.kind === 'staff' ? ctx.actor.deviceId : undefined;

/**
 * A copy of the context of a request (or of a transaction) with `changes`, reading no lazy `em`.
 * Lists every field (a new one does not compile until it is added here): an object literal, where a
 * spread would read (so fork) the EntityManager and `Object.defineProperty` would cost 1 % of a
 * sale's CPU.
 */
export function contextWith(
  ctx: RequestContext,
  changes: { transaction: RequestContext['transaction']; em: () => EntityManager },
): RequestContext {
  const copy = {
    tenant: ctx.tenant,
    db: ctx.db,
    transaction: changes.transaction,
    actor: ctx.actor,
    approval: ctx.approval,
    deferredAudit: ctx.deferredAudit,
    traceId: ctx.traceId,
    unknownTenant: ctx.unknownTenant,
    get em() {
      return changes.em();
    },
  } satisfies Record<keyof RequestContext, unknown>;
  return copy;
}
