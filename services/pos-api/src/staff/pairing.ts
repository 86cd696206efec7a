// One-time pairing codes: an owner or manager makes a short code (shown in the portal or read out),
// and a new register pairs itself with it, without anyone typing a device id and secret. The code
// is 8 characters from an alphabet without look-alikes (no 0/O, 1/I), shown as ABCD-EFGH; only its
// SHA-256 is stored; it is valid for 10 minutes and used up by the one pairing it allows, in the
// same transaction that creates the register. Guessing is slowed by the attempt limits (routes).
import { DevicePairingCode, Store, TillDevice } from '@cloudpos/tenant-db';
import { LockMode } from '@mikro-orm/core';
import { randomInt, randomUUID } from 'node:crypto';
import { problem, type ProblemCode } from '../errors.ts';
import { actorOf, type RequestContext } from '../tenancy/context.ts';
import { recordAudit, writeAudit } from './audit.ts';
import { deviceView, type DeviceView } from './service.ts';
import { newSecret, sha256 } from './secrets.ts';

export const PAIRING_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_CODE_TTL_SECONDS = 10 * 60;

/** A fresh code, uniformly random over the alphabet (40 bits), grouped for reading: ABCD-EFGH. */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i += 1)
    code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What is compared: upper case, without spaces, dashes or anything else a person may type. */
export function normalizePairingCode(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export interface PairingCodeView {
  code: string;
  expiresAt: string;
  storeId: string | null;
}

export interface StoreOfRegister {
  id: string;
  code: string;
  name: string;
  currency: string;
  timezone: string;
}

export interface PairedDevice extends DeviceView {
  secret: string;
  store: StoreOfRegister;
}

export function pairingService({ clock }: { clock: () => Date }) {
  return {
    /** A new code for the signed-in owner or manager (the route checks device.register). */
    async createCode(ctx: RequestContext, input: { storeId?: string }): Promise<PairingCodeView> {
      const actor = actorOf(ctx);
      const code = newPairingCode();
      const expiresAt = new Date(clock().getTime() + PAIRING_CODE_TTL_SECONDS * 1000);
      return ctx.em.transactional(async (em) => {
        if (input.storeId) {
          const store = await em.findOne(Store, { id: input.storeId });
          if (!store) throw problem('store_not_found', `no store ${input.storeId}`);
          if (store.closedAt) throw problem('store_closed', `store ${store.code} is closed`);
        }
        const row = em.create(DevicePairingCode, {
          id: randomUUID(),
          codeHash: sha256(normalizePairingCode(code)),
          store: input.storeId ?? null,
          createdBy: actor.kind === 'staff' ? actor.staffId : null,
          expiresAt,
        });
        recordAudit(
          ctx,
          {
            action: 'device.pairingCode',
            outcome: 'succeeded',
            target: { type: 'pairingCode', id: row.id },
            detail: { expiresAt: expiresAt.toISOString(), storeId: input.storeId ?? null },
          },
          em,
        );
        return { code, expiresAt: expiresAt.toISOString(), storeId: input.storeId ?? null };
      });
    },

    /**
     * Pairs a new register with a code: creates the till device (in the code's store, else the
     * one named, else the tenant's only open store; with several and none named, nothing happens
     * and the code stays good) and uses the code up. Returns the device with
     * its secret (shown only here) and its store.
     */
    async pair(
      ctx: RequestContext,
      input: { code: string; device: { name: string; storeId?: string } },
    ): Promise<PairedDevice> {
      const now = clock();
      const secret = newSecret();
      const outcome = await ctx.em.transactional(async (em) => {
        const row = await em.findOne(
          DevicePairingCode,
          { codeHash: sha256(normalizePairingCode(input.code)) },
          { lockMode: LockMode.PESSIMISTIC_WRITE },
        );
        const refusal: ProblemCode | undefined = !row
          ? 'pairing_code_invalid'
          : row.usedAt
            ? 'pairing_code_used'
            : row.expiresAt <= now
              ? 'pairing_code_expired'
              : undefined;
        if (!row || refusal) {
          const refused: { refusal: ProblemCode; codeId: string | undefined } = {
            refusal: refusal ?? 'pairing_code_invalid',
            codeId: row?.id,
          };
          return refused;
        }
        const storeId = row.store?.id ?? input.device.storeId;
        if (row.store && input.device.storeId && input.device.storeId !== row.store.id) {
          throw problem('pairing_code_other_store', `the code pairs registers of store ${row.store.id}`);
        }
        const store = storeId
          ? await em.findOne(Store, { id: storeId })
          : await onlyOpenStore(em.find(Store, { closedAt: null }, { limit: 2 }));
        if (!store) throw problem('store_not_found', `no store ${storeId}`);
        if (store.closedAt) throw problem('store_closed', `store ${store.code} is closed`);
        const device = em.create(TillDevice, {
          id: randomUUID(),
          name: input.device.name,
          store: store.id,
          secretHash: sha256(secret),
          registeredBy: row.createdBy?.id ?? null,
        });
        row.usedAt = now;
        row.device = device;
        recordAudit(
          ctx,
          {
            action: 'device.pair',
            outcome: 'succeeded',
            ...(row.createdBy ? { staffId: row.createdBy.id } : {}),
            deviceId: device.id,
            target: { type: 'device', id: device.id },
            detail: { pairingCodeId: row.id },
          },
          em,
        );
        await em.flush();
        return { device, store };
      });
      if ('refusal' in outcome) {
        await writeAudit(ctx, {
          action: 'device.pair',
          outcome: 'failed',
          ...(outcome.codeId ? { target: { type: 'pairingCode', id: outcome.codeId } } : {}),
          detail: { reason: outcome.refusal },
        });
        throw problem(outcome.refusal);
      }
      const { device, store } = outcome;
      return {
        ...deviceView(device),
        secret,
        store: {
          id: store.id,
          code: store.code,
          name: store.name,
          currency: store.currency,
          timezone: store.timezone,
        },
      };
    },
  };
}

export type PairingService = ReturnType<typeof pairingService>;

/**
 * The tenant's one open store. With several, the register would sell nowhere: the code (or the
 * pairing) must name one; nothing is created and the code stays good.
 */
async function onlyOpenStore(open: Promise<Store[]>): Promise<Store> {
  const stores = await open;
  if (stores.length > 1) throw problem('pairing_store_required');
  if (stores.length === 0) throw problem('store_closed', 'the tenant has no open store');
  return stores[0]!;
}
