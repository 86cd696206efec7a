// The route side of the permission matrix: `preHandler: requirePermission('sale.refund', {...})`.
// allow → the handler runs; deny → 403 `forbidden`; needs-approval → the request must carry
// `X-Approval-Id` of a manager approval for this action (and amount) on this till (several ids,
// comma-separated, when a request needs several approvals), which is used up here. Each decision is
// written to the audit log (denials always; allowed ones unless the route opts out because its
// service records a more precise entry). A service that checks inside its transaction passes that
// transaction's context: the approval and its audit entry then commit or roll back with the action,
// while a denial is written after the transaction ends (it must survive the rollback, and must not
// need a second connection while the first is held).
import { ManagerApproval, STAFF_ROLES } from '@cloudpos/tenant-db';
import { LockMode } from '@mikro-orm/core';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { problem, type ProblemCode } from '../errors.ts';
import { actorOf, type RequestContext } from '../tenancy/context.ts';
import { deferAudit, recordAudit, writeAudit, type AuditInput } from './audit.ts';
import { decide, type Action } from './permissions.ts';

export const APPROVAL_HEADER = 'x-approval-id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_APPROVALS_PER_REQUEST = 5;

/** The header of routes whose permission check may ask a cashier for a manager's approval. */
export const ApprovalHeaders = Type.Object({
  [APPROVAL_HEADER]: Type.Optional(
    Type.String({
      pattern: '^ *[0-9A-Fa-f-]{36}( *, *[0-9A-Fa-f-]{36})* *$',
      maxLength: 400,
      description:
        'The id of a manager’s approval (POST /v1/approvals) for an action this request needs; several comma-separated ' +
        `(at most ${MAX_APPROVALS_PER_REQUEST} are read) when it needs several. Without it a cashier gets 403 approval_required ` +
        'naming the action; each approval is used up by the one request it approves.',
    }),
  ),
});

/**
 * The problems a permission check for `action` can answer with, from the matrix: `forbidden` when a
 * role is denied it, the approval codes when a role needs a manager's approval for it.
 */
export function permissionProblems(...actions: Action[]): ProblemCode[] {
  const decisions = new Set(actions.flatMap((action) => STAFF_ROLES.map((role) => decide(role, action))));
  return [
    ...(decisions.has('deny') ? (['forbidden'] as const) : []),
    ...(decisions.has('needs-approval') ? (['approval_required', 'approval_invalid'] as const) : []),
  ];
}

export interface PermissionOptions {
  /** The amount the action is about, in minor units (an approval is bound to it). */
  amount?: (request: FastifyRequest) => number | undefined;
  /** What the action is done to, for the audit log. */
  target?: (request: FastifyRequest) => { type: string; id: string } | undefined;
  /** false: the service writes its own audit entry for allowed calls (denials are still written). */
  audit?: boolean;
}

/** A preHandler that checks `action` before the handler runs. */
export function requirePermission(
  action: Action,
  options: PermissionOptions = {},
): (request: FastifyRequest) => Promise<void> {
  return (request) => checkPermission(request, request.ctx, action, options);
}

/** The approvals a request carries in `X-Approval-Id` (at most the first few, as sent). */
export function approvalIdsOf(request: FastifyRequest): string[] {
  const header = request.headers[APPROVAL_HEADER];
  return (typeof header === 'string' ? header : '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
}

/**
 * Checks `action` for the request's actor; `ctx` is the request's context or, inside a service's
 * transaction, that transaction's context. The manager approvals offered are the request's
 * `X-Approval-Id` unless the caller names them (each sale of a batch carries its own).
 */
export async function checkPermission(
  request: FastifyRequest,
  ctx: RequestContext,
  action: Action,
  options: PermissionOptions = {},
  offeredApprovals: readonly string[] = approvalIdsOf(request),
): Promise<void> {
  const clock = request.server.clock;
  const inTransaction = ctx !== request.ctx;
  const deny = (input: AuditInput) =>
    inTransaction ? deferAudit(request.ctx, input) : writeAudit(request.ctx, input);
  const actor = actorOf(ctx);
  const amount = options.amount?.(request);
  const target = options.target?.(request);
  const decision = decide(actor.role, action);
  if (decision === 'deny') {
    await deny({ action, outcome: 'denied', amount, target });
    throw problem('forbidden', `a ${actor.role} may not ${action}`);
  }
  if (decision === 'allow') {
    if (options.audit === false) return;
    const allowed: AuditInput = { action, outcome: 'allowed', amount, target };
    // In a transaction, the entry commits with the action (flushed with it).
    if (inTransaction) recordAudit(ctx, allowed);
    else await writeAudit(ctx, allowed);
    return;
  }

  // One approval per action; a request that needs several sends their ids comma-separated.
  const approvalIds = offeredApprovals.slice(0, MAX_APPROVALS_PER_REQUEST);
  if (approvalIds.length === 0) {
    await deny({ action, outcome: 'denied', amount, target, detail: { reason: 'no approval' } });
    throw problem('approval_required', `${action} needs a manager approval: POST /v1/approvals`, {
      extensions: { action, ...(amount === undefined ? {} : { amount }) },
    });
  }
  // Used up in the same transaction as its audit entry: an approval approves exactly one call.
  const used = await ctx.em.transactional(async (em) => {
    const ids = approvalIds.filter((id) => UUID.test(id));
    const approvals =
      ids.length > 0
        ? await em.find(
            ManagerApproval,
            { id: { $in: ids } },
            { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
          )
        : [];
    // The one for this action (an unused one first); otherwise whichever explains the refusal.
    const approval =
      approvals.find((candidate) => candidate.action === action && !candidate.consumedAt) ??
      approvals.find((candidate) => candidate.action === action) ??
      approvals[0];
    const reason = !approval
      ? 'unknown'
      : approval.consumedAt
        ? 'used'
        : approval.expiresAt <= clock()
          ? 'expired'
          : approval.action !== action
            ? 'other action'
            : actor.kind !== 'staff' ||
                approval.device.id !== actor.deviceId ||
                approval.requestedBy?.id !== actor.staffId
              ? 'other till or staff member'
              : (approval.amount ?? undefined) !== amount
                ? 'other amount'
                : undefined;
    if (!approval || reason) return { reason: reason ?? 'unknown' };
    approval.consumedAt = clock();
    const consumed = { id: approval.id, approverStaffId: approval.approver.id };
    recordAudit(ctx, { action, outcome: 'approved', amount, target, approval: consumed }, em);
    return { consumed };
  });
  if (!('consumed' in used)) {
    await deny({ action, outcome: 'denied', amount, target, detail: { reason: `approval ${used.reason}` } });
    throw problem('approval_invalid', `the approval is ${used.reason}`, { extensions: { action } });
  }
  ctx.approval = used.consumed;
  request.ctx.approval = used.consumed;
}
