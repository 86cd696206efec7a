// Budgets of failed sign-in attempts, counted in Redis per minute (limits/counters.ts) and checked
// in the order the sign-in service learns who is asking:
//
//   1. before the till is checked: sign-ins from this client address that named no valid till
//      (unknown, revoked or wrong secret); a recognized till gives its reservation back. A stranger
//      who knows a till's id therefore spends only their own address's budget, never the till's.
//   2. once the till is recognized (or, for approvals, signed in): wrong PINs on this till, and on
//      all recognized tills of the tenant; a right PIN gives its reservation back. Only someone
//      holding a till's secret can spend these.
//
// A refused attempt takes nothing (it was never made). When Redis cannot be reached the attempt goes
// through, as with the request limit: the per-member lockout in PostgreSQL still holds.
import type { FastifyRequest } from 'fastify';
import { ProblemError, problem } from '../errors.ts';
import type { Counters } from '../limits/counters.ts';
import { clientAddress, tenantKey } from '../limits/keys.ts';
import type { RequestContext } from '../tenancy/context.ts';

const WINDOW_MS = 60_000;

/** One reserved attempt: given back when it turned out not to be a failure of its kind. */
export interface Attempt {
  giveBack(): Promise<void>;
}

/** What the sign-in service asks before each check; a spent budget throws rate_limited. */
export interface AttemptGuard {
  beforeTillCheck(): Promise<Attempt>;
  beforePinCheck(deviceId: string): Promise<Attempt>;
}

const NOTHING_TAKEN: Attempt = { giveBack: async () => {} };

/** For callers without limits (scripts, tests of the service alone). */
export const UNLIMITED: AttemptGuard = {
  beforeTillCheck: async () => NOTHING_TAKEN,
  beforePinCheck: async () => NOTHING_TAKEN,
};

export interface AttemptLimitsOptions {
  counters: Counters;
  /** Wrong PINs per minute on one recognized till. */
  perDevice: number;
  /** Wrong PINs per minute on all recognized tills of a tenant. */
  perTenant: number;
  /** Sign-ins without a valid till, and setup attempts, per minute from one client address. */
  perAddress: number;
}

interface Budget {
  key: string;
  max: number;
  detail: string;
}

export function attemptLimits(options: AttemptLimitsOptions) {
  const { counters } = options;

  async function reserve(request: FastifyRequest, budgets: Budget[]): Promise<Attempt> {
    const taken: string[] = [];
    const giveBack = async () => {
      await Promise.allSettled(taken.map((key) => counters.giveBack(key)));
    };
    try {
      for (const budget of budgets) {
        const { current, ttlMs } = await counters.count(budget.key, WINDOW_MS);
        taken.push(budget.key);
        if (current > budget.max) {
          await giveBack();
          throw problem('rate_limited', budget.detail, {
            headers: { 'retry-after': String(Math.max(1, Math.ceil(ttlMs / 1000))) },
          });
        }
      }
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      request.log.warn(
        { err: { name: (error as Error).name } },
        'sign-in attempt limits skipped: Redis failed',
      );
      return NOTHING_TAKEN;
    }
    return { giveBack };
  }

  const addressOf = (request: FastifyRequest) => clientAddress(request.ip);

  return {
    /** The guard of one sign-in or approval request. */
    guard(request: FastifyRequest, ctx: RequestContext): AttemptGuard {
      const { slug } = ctx.tenant;
      return {
        beforeTillCheck: () =>
          reserve(request, [
            {
              key: tenantKey(slug, 'sign-in-address', addressOf(request)),
              max: options.perAddress,
              detail: 'too many sign-ins without a valid till from this address: wait a minute',
            },
          ]),
        beforePinCheck: (deviceId) =>
          reserve(request, [
            {
              key: tenantKey(slug, 'sign-in-device', deviceId),
              max: options.perDevice,
              detail: 'too many wrong PINs on this till: wait a minute',
            },
            {
              key: tenantKey(slug, 'sign-in-tenant', 'all'),
              max: options.perTenant,
              detail: 'too many wrong PINs in this tenant: wait a minute',
            },
          ]),
      };
    },

    /**
     * Before a pairing code is checked: wrong codes per client address and per tenant (a code has
     * 40 bits and lives 10 minutes; these budgets make guessing one hopeless). A right code gives
     * its reservation back.
     */
    beforePairing: (request: FastifyRequest): Promise<Attempt> =>
      reserve(request, [
        {
          key: tenantKey(request.ctx.tenant.slug, 'pair-address', addressOf(request)),
          max: options.perAddress,
          detail: 'too many wrong pairing codes from this address: wait a minute',
        },
        {
          key: tenantKey(request.ctx.tenant.slug, 'pair-tenant', 'all'),
          max: options.perTenant,
          detail: 'too many wrong pairing codes in this tenant: wait a minute',
        },
      ]),

    /** preHandler of the one-time setup: every attempt counts against the client address. */
    limitSetup: async (request: FastifyRequest): Promise<void> => {
      await reserve(request, [
        {
          key: tenantKey(request.ctx.tenant.slug, 'setup-address', addressOf(request)),
          max: options.perAddress,
          detail: 'too many setup attempts from this address: wait a minute',
        },
      ]);
    },
  };
}
