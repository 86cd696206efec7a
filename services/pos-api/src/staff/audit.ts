// The audit log of sensitive actions. Services call recordAudit with the request's context (and, to
// write it in the same transaction as the change, the transaction's EntityManager).
import { AuditEntry } from '@cloudpos/tenant-db';
import type { EntityManager } from '@mikro-orm/postgresql';
import { deviceIdOf, type RequestContext } from '../tenancy/context.ts';

export type AuditOutcome = 'allowed' | 'approved' | 'denied' | 'succeeded' | 'failed';

export interface AuditInput {
  action: string;
  outcome: AuditOutcome;
  target?: { type: string; id: string };
  /** Minor units of the tenant's currency. */
  amount?: number;
  approval?: { id: string; approverStaffId: string };
  /** Who acted when there is no signed-in actor yet (sign-in, setup). */
  staffId?: string;
  staffRole?: string;
  deviceId?: string;
  detail?: Record<string, unknown>;
}

export function recordAudit(ctx: RequestContext, input: AuditInput, em: EntityManager = ctx.em): AuditEntry {
  const entry = em.create(AuditEntry, {
    action: input.action,
    outcome: input.outcome,
    actorStaffId: (ctx.actor?.kind === 'staff' ? ctx.actor.staffId : undefined) ?? input.staffId ?? null,
    actorRole: ctx.actor?.role ?? input.staffRole ?? null,
    actorPortalUserId: ctx.actor?.kind === 'portal' ? ctx.actor.portalUserId : null,
    deviceId: deviceIdOf(ctx) ?? input.deviceId ?? null,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    amount: input.amount ?? null,
    approverStaffId: input.approval?.approverStaffId ?? null,
    approvalId: input.approval?.id ?? null,
    traceId: ctx.traceId,
    detail: input.detail ?? null,
  });
  return entry;
}

/** Records and flushes at once: for entries outside any other unit of work (denials, failed PINs). */
export async function writeAudit(ctx: RequestContext, input: AuditInput): Promise<void> {
  const em = ctx.em.fork();
  recordAudit(ctx, input, em);
  await em.flush();
}

/**
 * Keeps an entry to write when the request's transaction has ended (a denial inside a transaction
 * that then rolls back must still be in the log). The app writes them before the response is sent.
 */
export function deferAudit(ctx: RequestContext, input: AuditInput): void {
  (ctx.deferredAudit ??= []).push(input);
}

/** Writes the entries deferAudit kept for this request (an `onSend` hook of the app). */
export async function writeDeferredAudit(ctx: RequestContext | null | undefined): Promise<void> {
  const entries = ctx?.deferredAudit?.splice(0) ?? [];
  if (entries.length === 0) return;
  const em = ctx!.em.fork();
  for (const entry of entries) recordAudit(ctx!, entry, em);
  await em.flush();
}

export interface AuditQuery {
  limit: number;
  /** Entries older than this id (the `next` of the previous page). */
  before?: string;
  action?: string;
  staffId?: string;
}

/** PostgreSQL's bigint: no id is larger, so "older than" a larger cursor is every entry. */
const LARGEST_ID = 9_223_372_036_854_775_807n;

export async function listAudit(ctx: RequestContext, query: AuditQuery) {
  // A 19-digit cursor can exceed bigint, which PostgreSQL refuses outright (the fuzz test found it).
  const before = query.before && BigInt(query.before) <= LARGEST_ID ? query.before : undefined;
  const entries = await ctx.em.find(
    AuditEntry,
    {
      ...(before ? { id: { $lt: before } } : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.staffId ? { actorStaffId: query.staffId } : {}),
    },
    { orderBy: { id: 'desc' }, limit: query.limit },
  );
  return { entries, next: entries.length === query.limit ? entries.at(-1)!.id : null };
}
