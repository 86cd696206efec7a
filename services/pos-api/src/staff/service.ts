// Staff sign-in and administration. Every function takes the request's context first (tenant,
// EntityManager forked for the tenant's schema, actor, trace). PIN checks, token rotation, approvals
// and the first owner each run in one transaction with the rows they decide on locked.
import {
  ManagerApproval,
  RefreshToken,
  Setting,
  StaffMember,
  Store,
  TillDevice,
  type StaffRole,
} from '@cloudpos/tenant-db';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { tenantSetupCode, type AccessTokens } from '../auth/tokens.ts';
import { problem } from '../errors.ts';
import { actorOf, staffActorOf, type RequestContext } from '../tenancy/context.ts';
import { UNLIMITED, type AttemptGuard } from './attempt-limits.ts';
import { recordAudit, writeAudit } from './audit.ts';
import { canApprove, canManageRole, type Action } from './permissions.ts';
import { PIN_NOT_SET, storePinHash } from './pin-store.ts';
import { matchesSha256, newSecret, sha256, type PinHasher } from './secrets.ts';

export interface StaffServiceOptions {
  tokens: AccessTokens;
  authSecret: string;
  /** PIN hashes with the tenant's pepper (PIN_PEPPERS). */
  pins: PinHasher;
  refreshTtlSeconds: number;
  approvalTtlSeconds: number;
  pinMaxAttempts: number;
  pinLockoutSeconds: number;
  clock: () => Date;
}

export interface StaffView {
  id: string;
  code: string;
  displayName: string;
  role: StaffRole;
  active: boolean;
  lockedUntil: string | null;
}

export interface DeviceView {
  id: string;
  name: string;
  code: string;
  storeId: string | null;
  revokedAt: string | null;
  lastSeenAt: string | null;
  createdAt: string;
}

export interface Session {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  staff: StaffView;
  deviceId: string;
  tenant: { slug: string; currency: string; timezone: string };
}

/** Who signs in or approves: by id, or by the short code typed on the till. */
export type StaffRef = { staffId: string } | { staffCode: string };

export interface SignInInput {
  deviceId: string;
  deviceSecret: string;
  staff: StaffRef;
  pin: string;
}

export interface ApprovalInput {
  action: Action;
  amount?: number;
  approver: StaffRef;
  pin: string;
}

export interface SetupInput {
  setupCode: string;
  owner: { code: string; displayName: string; pin: string };
  device: { name: string };
}

export interface NewStaff {
  code: string;
  displayName: string;
  role: StaffRole;
  pin: string;
}

export interface StaffPatch {
  displayName?: string;
  role?: StaffRole;
  pin?: string;
  active?: boolean;
  /** Clears a PIN lockout. */
  unlock?: boolean;
}

const MAX_LOCKOUT_SECONDS = 24 * 3600;
const SETUP_MARKER = 'auth.setup';

export function staffView(member: StaffMember): StaffView {
  return {
    id: member.id,
    code: member.code,
    displayName: member.displayName,
    role: member.role,
    active: member.active,
    lockedUntil: member.lockedUntil?.toISOString() ?? null,
  };
}

export function deviceView(device: TillDevice): DeviceView {
  return {
    id: device.id,
    name: device.name,
    code: device.code,
    storeId: device.store?.id ?? null,
    revokedAt: device.revokedAt?.toISOString() ?? null,
    lastSeenAt: device.lastSeenAt?.toISOString() ?? null,
    createdAt: device.createdAt.toISOString(),
  };
}

type PinCheck =
  | { ok: true; member: StaffMember }
  | { ok: false; reason: 'unknown' | 'wrong' }
  | { ok: false; reason: 'locked' | 'locked-now'; member: StaffMember; until: Date };

export type StaffService = ReturnType<typeof staffService>;

export function staffService(options: StaffServiceOptions) {
  const { clock, tokens, pins } = options;

  /**
   * Verifies a PIN with the member's row locked, so that parallel guesses are counted one by one:
   * `pinMaxAttempts` wrong PINs in a row lock the member out, each lockout twice as long as the last.
   * A right PIN whose hash has an older pepper (or none) is hashed again with the current one: this
   * is how a pepper rotation reaches every member who signs in.
   */
  async function checkPin(ctx: RequestContext, ref: StaffRef, pin: string): Promise<PinCheck> {
    const where = 'staffId' in ref ? { id: ref.staffId } : { code: ref.staffCode };
    return ctx.em.transactional(async (em) => {
      const member = await em.findOne(
        StaffMember,
        { ...where, active: true },
        { populate: ['pinHash'], lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!member) {
        await pins.verifyUnknownMember(pin);
        return { ok: false, reason: 'unknown' } as const;
      }
      const now = clock();
      if (member.lockedUntil && member.lockedUntil > now) {
        return { ok: false, reason: 'locked', member, until: member.lockedUntil } as const;
      }
      const verdict = await pins.verify(pin, member.pinHash);
      if (verdict !== 'invalid') {
        if (verdict === 'valid-outdated') {
          await storePinHash(em, ctx.tenant.schema, member.id, await pins.hash(pin));
        }
        Object.assign(member, { failedPinAttempts: 0, lockouts: 0, lockedUntil: null });
        return { ok: true, member } as const;
      }
      member.failedPinAttempts += 1;
      if (member.failedPinAttempts < options.pinMaxAttempts) return { ok: false, reason: 'wrong' } as const;
      const seconds = Math.min(options.pinLockoutSeconds * 2 ** member.lockouts, MAX_LOCKOUT_SECONDS);
      const until = new Date(now.getTime() + seconds * 1000);
      Object.assign(member, { failedPinAttempts: 0, lockouts: member.lockouts + 1, lockedUntil: until });
      return { ok: false, reason: 'locked-now', member, until } as const;
    });
  }

  /** Audits a failed PIN check and throws the problem a client sees for it. */
  async function rejectPin(
    ctx: RequestContext,
    check: Exclude<PinCheck, { ok: true }>,
    audit: { action: string; deviceId: string; ref: StaffRef },
    /** What a wrong PIN is: a failed sign-in (401), or, for an approval, a refusal (403: the till's own session is fine). */
    wrongPin: 'invalid_credentials' | 'approval_pin_invalid' = 'invalid_credentials',
  ): Promise<never> {
    const member = 'member' in check ? check.member : undefined;
    await writeAudit(ctx, {
      action: audit.action,
      outcome: 'failed',
      deviceId: audit.deviceId,
      target: member ? { type: 'staff', id: member.id } : undefined,
      detail: { reason: check.reason, ...(member ? {} : { staff: audit.ref }) },
    });
    if (check.reason === 'locked-now') {
      await writeAudit(ctx, {
        action: 'staff.lockout',
        outcome: 'succeeded',
        deviceId: audit.deviceId,
        target: { type: 'staff', id: check.member.id },
        detail: { until: check.until.toISOString(), lockouts: check.member.lockouts },
      });
    }
    if (check.reason === 'locked' || check.reason === 'locked-now') {
      const retryAfter = Math.max(1, Math.ceil((check.until.getTime() - clock().getTime()) / 1000));
      throw problem('pin_locked', `try again after ${check.until.toISOString()}`, {
        extensions: { lockedUntil: check.until.toISOString() },
        headers: { 'retry-after': String(retryAfter) },
      });
    }
    throw problem(wrongPin);
  }

  async function recognizedDevice(
    ctx: RequestContext,
    deviceId: string,
    secret: string,
  ): Promise<TillDevice> {
    const device = await ctx.em.findOne(
      TillDevice,
      { id: deviceId, revokedAt: null },
      { populate: ['secretHash'] },
    );
    if (!device || !matchesSha256(secret, device.secretHash)) {
      await writeAudit(ctx, {
        action: 'auth.signIn',
        outcome: 'failed',
        deviceId,
        detail: { reason: 'device' },
      });
      throw problem('device_not_recognized');
    }
    return device;
  }

  /** Adds the refresh token of a new or rotated sign-in to `em` (flushed by the caller). */
  function newRefreshToken(
    em: EntityManager,
    member: StaffMember,
    deviceId: string,
    familyId: string = randomUUID(),
  ) {
    const token = newSecret();
    const row = em.create(RefreshToken, {
      id: randomUUID(),
      familyId,
      tokenHash: sha256(token),
      staff: member.id,
      device: deviceId,
      expiresAt: new Date(clock().getTime() + options.refreshTtlSeconds * 1000),
    });
    return { token, row };
  }

  async function session(
    ctx: RequestContext,
    member: StaffMember,
    deviceId: string,
    refresh: { token: string; row: RefreshToken },
  ): Promise<Session> {
    const access = await tokens.sign(
      { tenant: ctx.tenant.slug, staffId: member.id, role: member.role, deviceId },
      clock(),
    );
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresAt: access.expiresAt.toISOString(),
      refreshToken: refresh.token,
      refreshExpiresAt: refresh.row.expiresAt.toISOString(),
      staff: staffView(member),
      deviceId,
      tenant: { slug: ctx.tenant.slug, currency: ctx.tenant.currency, timezone: ctx.tenant.timezone },
    };
  }

  async function revokeFamilies(
    em: EntityManager,
    where: { familyId?: string; staff?: string; device?: string },
  ) {
    await em.nativeUpdate(RefreshToken, { ...where, revokedAt: null }, { revokedAt: clock() });
  }

  async function findMember(em: EntityManager, id: string, lock = false): Promise<StaffMember> {
    const member = await em.findOne(
      StaffMember,
      { id },
      lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
    );
    if (!member) throw problem('staff_not_found');
    return member;
  }

  return {
    /**
     * PIN sign-in on a registered till: device id + secret, staff id or code, PIN. The guard's
     * budgets are asked before each check: junk that names no valid till never reaches the till's.
     */
    async signIn(ctx: RequestContext, input: SignInInput, guard: AttemptGuard = UNLIMITED): Promise<Session> {
      const tillAttempt = await guard.beforeTillCheck();
      const device = await recognizedDevice(ctx, input.deviceId, input.deviceSecret);
      await tillAttempt.giveBack();
      const pinAttempt = await guard.beforePinCheck(device.id);
      const check = await checkPin(ctx, input.staff, input.pin);
      if (!check.ok) {
        return rejectPin(ctx, check, { action: 'auth.signIn', deviceId: device.id, ref: input.staff });
      }
      await pinAttempt.giveBack();
      const refresh = await ctx.em.transactional(async (em) => {
        const issued = newRefreshToken(em, check.member, device.id);
        await em.nativeUpdate(TillDevice, { id: device.id }, { lastSeenAt: clock() });
        recordAudit(
          ctx,
          {
            action: 'auth.signIn',
            outcome: 'succeeded',
            staffId: check.member.id,
            staffRole: check.member.role,
            deviceId: device.id,
          },
          em,
        );
        return issued;
      });
      return session(ctx, check.member, device.id, refresh);
    },

    /**
     * Rotates a refresh token: the presented one is used up and the next one of the same family is
     * returned. A token presented twice was copied: the whole family is revoked.
     */
    async refresh(ctx: RequestContext, refreshToken: string): Promise<Session> {
      const now = clock();
      const outcome = await ctx.em.transactional(async (em) => {
        const row = await em.findOne(
          RefreshToken,
          { tokenHash: sha256(refreshToken) },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        if (!row || row.revokedAt || row.expiresAt <= now) return { error: 'refresh_token_invalid' } as const;
        if (row.usedAt) {
          await revokeFamilies(em, { familyId: row.familyId });
          recordAudit(
            ctx,
            {
              action: 'auth.refreshReuse',
              outcome: 'denied',
              staffId: row.staff.id,
              deviceId: row.device.id,
              detail: { familyId: row.familyId },
            },
            em,
          );
          return { error: 'refresh_token_reused' } as const;
        }
        const member = await em.findOne(StaffMember, { id: row.staff.id, active: true });
        const device = await em.findOne(TillDevice, { id: row.device.id, revokedAt: null });
        row.usedAt = now;
        if (!member || !device) {
          await revokeFamilies(em, { familyId: row.familyId });
          return { error: 'refresh_token_invalid' } as const;
        }
        device.lastSeenAt = now;
        const issued = newRefreshToken(em, member, device.id, row.familyId);
        return { error: undefined, member, deviceId: device.id, issued };
      });
      if (outcome.error !== undefined) throw problem(outcome.error);
      return session(ctx, outcome.member, outcome.deviceId, outcome.issued);
    },

    /** Ends the sign-in the refresh token belongs to. Unknown tokens are ignored (nothing to end). */
    async signOut(ctx: RequestContext, refreshToken: string): Promise<void> {
      await ctx.em.transactional(async (em) => {
        const row = await em.findOne(RefreshToken, { tokenHash: sha256(refreshToken) });
        if (!row) return;
        await revokeFamilies(em, { familyId: row.familyId });
        recordAudit(
          ctx,
          { action: 'auth.signOut', outcome: 'succeeded', staffId: row.staff.id, deviceId: row.device.id },
          em,
        );
      });
    },

    /**
     * A manager (or owner) types their PIN on the till the actor is signed in on, approving one
     * action (for one amount) once, for the next few minutes.
     */
    async grantApproval(ctx: RequestContext, input: ApprovalInput, guard: AttemptGuard = UNLIMITED) {
      const actor = staffActorOf(ctx);
      const pinAttempt = await guard.beforePinCheck(actor.deviceId);
      const check = await checkPin(ctx, input.approver, input.pin);
      if (!check.ok) {
        return rejectPin(
          ctx,
          check,
          { action: 'approval.grant', deviceId: actor.deviceId, ref: input.approver },
          'approval_pin_invalid',
        );
      }
      await pinAttempt.giveBack();
      const approver = check.member;
      if (approver.id === actor.staffId || !canApprove(approver.role, input.action)) {
        await writeAudit(ctx, {
          action: 'approval.grant',
          outcome: 'denied',
          target: { type: 'staff', id: approver.id },
          detail: { requested: input.action },
        });
        throw problem(
          'approval_not_permitted',
          approver.id === actor.staffId
            ? 'nobody approves their own actions'
            : `a ${approver.role} cannot approve ${input.action}`,
        );
      }
      const expiresAt = new Date(clock().getTime() + options.approvalTtlSeconds * 1000);
      const approval = await ctx.em.transactional(async (em) => {
        const row = em.create(ManagerApproval, {
          id: randomUUID(),
          action: input.action,
          amount: input.amount ?? null,
          approver: approver.id,
          requestedBy: actor.staffId,
          device: actor.deviceId,
          expiresAt,
        });
        recordAudit(
          ctx,
          {
            action: 'approval.grant',
            outcome: 'succeeded',
            amount: input.amount,
            approval: { id: row.id, approverStaffId: approver.id },
            detail: { approves: input.action },
          },
          em,
        );
        return row;
      });
      return {
        approvalId: approval.id,
        action: input.action,
        amount: input.amount ?? null,
        expiresAt: expiresAt.toISOString(),
        approver: { id: approver.id, displayName: approver.displayName, role: approver.role },
      };
    },

    /** The tenant's setup code while it has no staff; after that there is nothing to set up. */
    async setupCode(ctx: RequestContext) {
      if ((await ctx.em.count(StaffMember)) > 0) throw problem('already_set_up');
      return { setupCode: tenantSetupCode(options.authSecret, ctx.tenant.slug) };
    },

    /**
     * The first owner of a tenant and its first till, with the tenant's one-time setup code; refused
     * once the tenant has any staff. Returns the owner signed in on the new till and the till's
     * secret (shown only here).
     */
    async setupFirstOwner(ctx: RequestContext, input: SetupInput) {
      const expected = Buffer.from(normalizeCode(tenantSetupCode(options.authSecret, ctx.tenant.slug)));
      const given = Buffer.from(normalizeCode(input.setupCode));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        await writeAudit(ctx, {
          action: 'tenant.setup',
          outcome: 'failed',
          detail: { reason: 'setup code' },
        });
        throw problem('setup_code_invalid');
      }
      const pinHash = await pins.hash(input.owner.pin);
      const deviceSecret = newSecret();
      try {
        const created = await ctx.em.transactional(async (em) => {
          // The marker row serializes concurrent setups on its primary key: the second one waits,
          // then fails on the key (or finds the staff the first one created).
          em.create(Setting, { key: SETUP_MARKER, value: { at: clock().toISOString() } });
          await em.flush();
          if ((await em.count(StaffMember)) > 0) throw problem('already_set_up');
          const owner = em.create(StaffMember, {
            id: randomUUID(),
            code: input.owner.code,
            displayName: input.owner.displayName,
            role: 'owner',
            pinHash: PIN_NOT_SET,
          });
          const device = em.create(TillDevice, {
            id: randomUUID(),
            name: input.device.name,
            secretHash: sha256(deviceSecret),
            registeredBy: owner.id,
          });
          const issued = newRefreshToken(em, owner, device.id);
          recordAudit(
            ctx,
            {
              action: 'tenant.setup',
              outcome: 'succeeded',
              staffId: owner.id,
              staffRole: 'owner',
              deviceId: device.id,
              target: { type: 'staff', id: owner.id },
            },
            em,
          );
          await em.flush();
          await storePinHash(em, ctx.tenant.schema, owner.id, pinHash);
          return { owner, device, issued };
        });
        const signedIn = await session(ctx, created.owner, created.device.id, created.issued);
        return { ...signedIn, device: { ...deviceView(created.device), secret: deviceSecret } };
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw problem('already_set_up');
        throw error;
      }
    },

    async listStaff(ctx: RequestContext): Promise<StaffView[]> {
      const members = await ctx.em.find(StaffMember, {}, { orderBy: { displayName: 'asc', id: 'asc' } });
      return members.map(staffView);
    },

    async createStaff(ctx: RequestContext, input: NewStaff): Promise<StaffView> {
      const actor = actorOf(ctx);
      if (!canManageRole(actor.role, input.role)) {
        await writeAudit(ctx, { action: 'staff.create', outcome: 'denied', detail: { role: input.role } });
        throw problem('forbidden', `a ${actor.role} cannot create a ${input.role}`);
      }
      const pinHash = await pins.hash(input.pin);
      try {
        return await ctx.em.transactional(async (em) => {
          const member = em.create(StaffMember, {
            id: randomUUID(),
            code: input.code,
            displayName: input.displayName,
            role: input.role,
            pinHash: PIN_NOT_SET,
          });
          recordAudit(
            ctx,
            {
              action: 'staff.create',
              outcome: 'succeeded',
              target: { type: 'staff', id: member.id },
              detail: { role: input.role },
            },
            em,
          );
          await em.flush();
          await storePinHash(em, ctx.tenant.schema, member.id, pinHash);
          return staffView(member);
        });
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) {
          throw problem('staff_code_taken', `code ${input.code} is taken`);
        }
        throw error;
      }
    },

    async updateStaff(ctx: RequestContext, id: string, patch: StaffPatch): Promise<StaffView> {
      const actor = actorOf(ctx);
      const pinHash = patch.pin === undefined ? undefined : await pins.hash(patch.pin);
      const changed = Object.keys(patch).filter((key) => patch[key as keyof StaffPatch] !== undefined);
      const outcome = await ctx.em.transactional(async (em) => {
        const member = await findMember(em, id, true);
        if (
          !canManageRole(actor.role, member.role) ||
          (patch.role && !canManageRole(actor.role, patch.role))
        ) {
          recordAudit(ctx, { action: 'staff.update', outcome: 'denied', target: { type: 'staff', id } }, em);
          return {
            denied: `a ${actor.role} cannot change a ${member.role}${patch.role ? ` into a ${patch.role}` : ''}`,
          };
        }
        const losesOwner =
          member.role === 'owner' &&
          member.active &&
          ((patch.role && patch.role !== 'owner') || patch.active === false);
        if (losesOwner) {
          const owners = await em.find(
            StaffMember,
            { role: 'owner', active: true },
            { lockMode: LockMode.PESSIMISTIC_WRITE },
          );
          if (owners.length <= 1) throw problem('last_owner');
        }
        if (patch.displayName !== undefined) member.displayName = patch.displayName;
        if (patch.role !== undefined) member.role = patch.role;
        if (patch.active !== undefined) member.active = patch.active;
        if (pinHash !== undefined) await storePinHash(em, ctx.tenant.schema, member.id, pinHash);
        if (pinHash !== undefined || patch.unlock) {
          Object.assign(member, { failedPinAttempts: 0, lockouts: 0, lockedUntil: null });
        }
        member.updatedAt = clock();
        // A new PIN, a new role or leaving ends the member's sign-ins on every till.
        if (pinHash !== undefined || patch.role !== undefined || patch.active === false) {
          await revokeFamilies(em, { staff: member.id });
        }
        recordAudit(
          ctx,
          {
            action: 'staff.update',
            outcome: 'succeeded',
            target: { type: 'staff', id },
            detail: { changed },
          },
          em,
        );
        return { member };
      });
      if ('denied' in outcome) {
        // The denial was recorded in the transaction above.
        throw problem('forbidden', outcome.denied);
      }
      return staffView(outcome.member);
    },

    async registerDevice(ctx: RequestContext, input: { name: string; storeId?: string }) {
      if (input.storeId && !(await ctx.em.count(Store, { id: input.storeId }))) {
        throw problem('store_not_found');
      }
      const secret = newSecret();
      const actor = actorOf(ctx);
      const device = await ctx.em.transactional(async (em) => {
        const row = em.create(TillDevice, {
          id: randomUUID(),
          name: input.name,
          store: input.storeId ?? null,
          secretHash: sha256(secret),
          registeredBy: actor.kind === 'staff' ? actor.staffId : null,
        });
        recordAudit(
          ctx,
          { action: 'device.register', outcome: 'succeeded', target: { type: 'device', id: row.id } },
          em,
        );
        await em.flush();
        return row;
      });
      return { ...deviceView(device), secret };
    },

    async listDevices(ctx: RequestContext): Promise<DeviceView[]> {
      const devices = await ctx.em.find(TillDevice, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return devices.map(deviceView);
    },

    /** Renames a till, moves it to another (open) store, or revokes or re-admits it. */
    async updateDevice(
      ctx: RequestContext,
      id: string,
      patch: { name?: string; storeId?: string; active?: boolean },
    ): Promise<DeviceView> {
      return ctx.em.transactional(async (em) => {
        const device = await em.findOne(TillDevice, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!device) throw problem('device_not_found');
        if (patch.storeId !== undefined) {
          const store = await em.findOne(Store, { id: patch.storeId });
          if (!store) throw problem('store_not_found', `no store ${patch.storeId}`);
          if (store.closedAt) throw problem('store_closed', `store ${store.code} is closed`);
          device.store = store;
        }
        if (patch.name !== undefined) device.name = patch.name;
        if (patch.active === false && !device.revokedAt) {
          device.revokedAt = clock();
          await revokeFamilies(em, { device: id });
        }
        if (patch.active === true) device.revokedAt = null;
        recordAudit(
          ctx,
          {
            action: 'device.update',
            outcome: 'succeeded',
            target: { type: 'device', id },
            detail: { ...patch },
          },
          em,
        );
        return deviceView(device);
      });
    },

    async revokeDevice(ctx: RequestContext, id: string): Promise<DeviceView> {
      return ctx.em.transactional(async (em) => {
        const device = await em.findOne(TillDevice, { id });
        if (!device) throw problem('device_not_found');
        device.revokedAt ??= clock();
        await revokeFamilies(em, { device: id });
        recordAudit(
          ctx,
          { action: 'device.revoke', outcome: 'succeeded', target: { type: 'device', id } },
          em,
        );
        return deviceView(device);
      });
    },
  };
}

function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
