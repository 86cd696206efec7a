// Staff sign-in, manager approvals, staff and till administration, and the audit log, under /v1.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.ts';
import { ProblemError, problem, problemResponses, type ProblemCode } from '../errors.ts';
import type { Counters } from '../limits/counters.ts';
import { ListOf, onePage } from '../lists.ts';
import { OPTIONAL_BODY_EXTENSION } from '../openapi.ts';
import { staffActorOf } from '../tenancy/context.ts';
import { attemptLimits } from './attempt-limits.ts';
import { listAudit } from './audit.ts';
import type { PairingService } from './pairing.ts';
import { ACTIONS, decide } from './permissions.ts';
import { permissionProblems, requirePermission } from './require-permission.ts';
import {
  ApprovalBody,
  ApprovalSchema,
  AuditPage,
  AuditQuerystring,
  DevicePatchBody,
  DeviceViewSchema,
  DeviceWithSecretSchema,
  IdParams,
  MeSchema,
  NewDeviceBody,
  NewPairingCodeBody,
  NewStaffBody,
  PairBody,
  PairedDeviceSchema,
  PairingCodeSchema,
  RefreshBody,
  SessionSchema,
  SetupBody,
  SetupCodeSchema,
  SetupResponse,
  SignInBody,
  StaffPatchBody,
  StaffViewSchema,
} from './schemas.ts';
import type { StaffRef, StaffService } from './service.ts';

export interface StaffRoutesOptions {
  service: StaffService;
  pairing: PairingService;
  config: Config;
  /** Redis counters for the attempt limits. */
  counters: Counters;
}

const TAG = ['staff'];
const SIGNED_IN = [{ bearerAuth: [] }];

/** A public route's answer for a tenant that does not exist: the failure a real tenant would give. */
const fails = (code: ProblemCode) => () => {
  throw problem(code);
};

function staffRef(body: { staffId?: string; staffCode?: string }): StaffRef {
  if ((body.staffId === undefined) === (body.staffCode === undefined)) {
    throw new ProblemError(400, 'validation_failed', 'The request is not valid', 'give staffId or staffCode');
  }
  return body.staffId !== undefined ? { staffId: body.staffId } : { staffCode: body.staffCode! };
}

export async function staffRoutes(
  parent: FastifyInstance,
  { service, pairing, config, counters }: StaffRoutesOptions,
) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  // PIN guessing is slowed per recognized till and per tenant, on top of the per-member lockout;
  // sign-ins that name no valid till, and setup attempts, per client address (attempt-limits.ts).
  const limits = attemptLimits({
    counters,
    perDevice: config.SIGN_IN_LIMIT_PER_DEVICE,
    perTenant: config.SIGN_IN_LIMIT_PER_TENANT,
    perAddress: config.SIGN_IN_LIMIT_PER_ADDRESS,
  });

  app.post(
    '/setup',
    {
      // No tenant: as a wrong setup code (the code is derived from the slug; only real ones get one).
      config: { public: true, whenTenantUnknown: fails('setup_code_invalid') },
      schema: {
        tags: TAG,
        summary: "Create the tenant's first owner and till with the one-time setup code",
        body: SetupBody,
        response: { 201: SetupResponse, ...problemResponses('setup_code_invalid', 'already_set_up') },
      },
      preHandler: limits.limitSetup,
    },
    async (request, reply) => reply.code(201).send(await service.setupFirstOwner(request.ctx, request.body)),
  );

  // The portal shows a new tenant's owner the setup code, read here with the owner's portal token:
  // in a cluster only the tenant's own API holds the secret the code is derived from.
  app.get(
    '/setup/code',
    {
      preHandler: requirePermission('settings.manage', { target: () => ({ type: 'tenant', id: 'setup' }) }),
      schema: {
        tags: TAG,
        summary: "The tenant's one-time setup code, while it has no staff (owners)",
        security: SIGNED_IN,
        response: {
          200: SetupCodeSchema,
          ...problemResponses('already_set_up', ...permissionProblems('settings.manage')),
        },
      },
    },
    async (request) => service.setupCode(request.ctx),
  );

  app.post(
    '/auth/sign-in',
    {
      config: {
        public: true,
        allowWhenReadOnly: true,
        // No tenant, no till: as an unknown till on a real tenant, after the same body checks.
        whenTenantUnknown: (request) => {
          staffRef(request.body as { staffId?: string; staffCode?: string });
          throw problem('device_not_recognized');
        },
      },
      schema: {
        tags: TAG,
        summary: 'PIN sign-in on a registered till',
        body: SignInBody,
        response: {
          200: SessionSchema,
          ...problemResponses('device_not_recognized', 'invalid_credentials', 'pin_locked'),
        },
      },
    },
    async (request) => {
      const { deviceId, deviceSecret, pin } = request.body;
      return service.signIn(
        request.ctx,
        { deviceId, deviceSecret, pin, staff: staffRef(request.body) },
        limits.guard(request, request.ctx),
      );
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: { public: true, allowWhenReadOnly: true, whenTenantUnknown: fails('refresh_token_invalid') },
      schema: {
        tags: TAG,
        summary: 'Exchange a refresh token for new tokens (the old refresh token is used up)',
        body: RefreshBody,
        response: {
          200: SessionSchema,
          ...problemResponses('refresh_token_invalid', 'refresh_token_reused'),
        },
      },
    },
    async (request) => service.refresh(request.ctx, request.body.refreshToken),
  );

  app.post(
    '/auth/sign-out',
    {
      config: {
        public: true,
        allowWhenReadOnly: true,
        // An unknown refresh token is ignored on a real tenant too.
        whenTenantUnknown: (_request, reply) => reply.code(204).send(null),
      },
      schema: {
        tags: TAG,
        summary: 'End the sign-in a refresh token belongs to',
        body: RefreshBody,
        response: { 204: Type.Null({ description: 'Signed out' }), ...problemResponses() },
      },
    },
    async (request, reply) => {
      await service.signOut(request.ctx, request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: TAG,
        summary: 'Who is signed in on this till, and what the permission matrix lets them do',
        security: SIGNED_IN,
        // A portal token (ADR 0015) names no staff member and no till.
        response: { 200: MeSchema, ...problemResponses('forbidden') },
      },
    },
    async (request) => {
      const actor = staffActorOf(request.ctx);
      const { slug, currency, timezone, readOnly } = request.ctx.tenant;
      return {
        ...actor,
        tenant: { slug, currency, timezone, readOnly },
        permissions: Object.fromEntries(ACTIONS.map((action) => [action, decide(actor.role, action)])),
      };
    },
  );

  app.post(
    '/approvals',
    {
      schema: {
        tags: TAG,
        summary: "A manager's PIN approves one action (and amount) on this till, once, for a short time",
        security: SIGNED_IN,
        body: ApprovalBody,
        response: {
          201: ApprovalSchema,
          ...problemResponses('approval_pin_invalid', 'approval_not_permitted', 'pin_locked', 'forbidden'),
        },
      },
    },
    async (request, reply) => {
      const { action, amount, pin } = request.body;
      const approval = await service.grantApproval(
        request.ctx,
        { action, pin, approver: staffRef(request.body), ...(amount === undefined ? {} : { amount }) },
        limits.guard(request, request.ctx),
      );
      return reply.code(201).send(approval);
    },
  );

  app.get(
    '/staff',
    {
      schema: {
        tags: TAG,
        summary: 'List staff members',
        security: SIGNED_IN,
        response: {
          200: ListOf(StaffViewSchema),
          ...problemResponses(...permissionProblems('staff.manage')),
        },
      },
      preHandler: requirePermission('staff.manage', { audit: false }),
    },
    async (request) => onePage(await service.listStaff(request.ctx)),
  );

  app.post(
    '/staff',
    {
      schema: {
        tags: TAG,
        summary: 'Add a staff member (managers add cashiers only)',
        security: SIGNED_IN,
        body: NewStaffBody,
        response: {
          201: StaffViewSchema,
          ...problemResponses(...permissionProblems('staff.manage'), 'staff_code_taken'),
        },
      },
      preHandler: requirePermission('staff.manage', { audit: false }),
    },
    async (request, reply) => reply.code(201).send(await service.createStaff(request.ctx, request.body)),
  );

  app.patch(
    '/staff/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Rename, change role or PIN, deactivate, or unlock a staff member',
        security: SIGNED_IN,
        params: IdParams,
        body: StaffPatchBody,
        response: {
          200: StaffViewSchema,
          ...problemResponses(
            ...permissionProblems('staff.manage'),
            'staff_not_found',
            'staff_code_taken',
            'last_owner',
          ),
        },
      },
      preHandler: requirePermission('staff.manage', { audit: false }),
    },
    async (request) => service.updateStaff(request.ctx, request.params.id, request.body),
  );

  app.get(
    '/devices',
    {
      schema: {
        tags: TAG,
        summary: 'List till devices',
        security: SIGNED_IN,
        response: {
          200: ListOf(DeviceViewSchema),
          ...problemResponses(...permissionProblems('device.register')),
        },
      },
      preHandler: requirePermission('device.register', { audit: false }),
    },
    async (request) => onePage(await service.listDevices(request.ctx)),
  );

  app.post(
    '/devices',
    {
      schema: {
        tags: TAG,
        summary: 'Register a till; its secret is in this response only',
        security: SIGNED_IN,
        body: NewDeviceBody,
        response: {
          201: DeviceWithSecretSchema,
          ...problemResponses(...permissionProblems('device.register'), 'store_not_found'),
        },
      },
      preHandler: requirePermission('device.register', { audit: false }),
    },
    async (request, reply) => reply.code(201).send(await service.registerDevice(request.ctx, request.body)),
  );

  app.post(
    '/devices/pairing-codes',
    {
      schema: {
        tags: TAG,
        summary: 'Make a one-time code (10 minutes) that pairs one new register with POST /v1/devices/pair',
        security: SIGNED_IN,
        body: NewPairingCodeBody,
        [OPTIONAL_BODY_EXTENSION]: true,
        response: {
          201: PairingCodeSchema,
          ...problemResponses(...permissionProblems('device.register'), 'store_not_found', 'store_closed'),
        },
      },
      // Every field is optional: a bare POST (no body at all) makes a code too.
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: requirePermission('device.register', { audit: false }),
    },
    async (request, reply) => reply.code(201).send(await pairing.createCode(request.ctx, request.body)),
  );

  app.post(
    '/devices/pair',
    {
      // No tenant: as a wrong code on a real tenant.
      config: { public: true, whenTenantUnknown: fails('pairing_code_invalid') },
      schema: {
        tags: TAG,
        summary: 'Pair a new register with a one-time pairing code; its secret is in this response only',
        body: PairBody,
        response: {
          201: PairedDeviceSchema,
          ...problemResponses(
            'pairing_code_invalid',
            'pairing_code_expired',
            'pairing_code_used',
            'pairing_code_other_store',
            'pairing_store_required',
            'store_not_found',
            'store_closed',
          ),
        },
      },
    },
    async (request, reply) => {
      // Only wrong codes spend the budgets: a right one (even refused for its store) was no guess.
      const attempt = await limits.beforePairing(request);
      try {
        const paired = await pairing.pair(request.ctx, request.body);
        await attempt.giveBack();
        return reply.code(201).send(paired);
      } catch (error) {
        if (!(error instanceof ProblemError && error.code === 'pairing_code_invalid'))
          await attempt.giveBack();
        throw error;
      }
    },
  );

  app.patch(
    '/devices/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Rename a till, move it to another store, revoke it (active: false) or re-admit it',
        security: SIGNED_IN,
        params: IdParams,
        body: DevicePatchBody,
        response: {
          200: DeviceViewSchema,
          ...problemResponses(
            ...permissionProblems('device.register'),
            'device_not_found',
            'store_not_found',
            'store_closed',
          ),
        },
      },
      preHandler: requirePermission('device.register', { audit: false }),
    },
    async (request) => service.updateDevice(request.ctx, request.params.id, request.body),
  );

  app.post(
    '/devices/:id/revoke',
    {
      schema: {
        tags: TAG,
        summary: 'Revoke a till: no more sign-ins, its refresh tokens end',
        security: SIGNED_IN,
        params: IdParams,
        response: {
          200: DeviceViewSchema,
          ...problemResponses(...permissionProblems('device.register'), 'device_not_found'),
        },
      },
      preHandler: requirePermission('device.register', { audit: false }),
    },
    async (request) => service.revokeDevice(request.ctx, request.params.id),
  );

  app.get(
    '/audit',
    {
      schema: {
        tags: TAG,
        summary: 'The audit log of sensitive actions, newest first',
        security: SIGNED_IN,
        querystring: AuditQuerystring,
        response: { 200: AuditPage, ...problemResponses(...permissionProblems('audit.read')) },
      },
      preHandler: requirePermission('audit.read', { audit: false }),
    },
    async (request) => {
      const page = await listAudit(request.ctx, request.query);
      return {
        next: page.next,
        items: page.entries.map((entry) => ({
          id: entry.id,
          at: entry.at.toISOString(),
          action: entry.action,
          outcome: entry.outcome,
          actorStaffId: entry.actorStaffId ?? null,
          actorRole: entry.actorRole ?? null,
          actorPortalUserId: entry.actorPortalUserId ?? null,
          deviceId: entry.deviceId ?? null,
          targetType: entry.targetType ?? null,
          targetId: entry.targetId ?? null,
          amount: entry.amount ?? null,
          approverStaffId: entry.approverStaffId ?? null,
          approvalId: entry.approvalId ?? null,
          traceId: entry.traceId ?? null,
          detail: entry.detail ?? null,
        })),
      };
    },
  );
}
