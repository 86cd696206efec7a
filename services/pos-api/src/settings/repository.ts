// The tenant's settings: the one owner of the `setting` rows named by SETTING_GROUPS (the tenant
// profile row belongs to the directory). A group the tenant never changed has its defaults; a stored
// group is read field by field over them, so a group saved before a field existed still reads whole.
import { currencyExponent } from '@cloudpos/pricing';
import { Setting } from '@cloudpos/tenant-db';
import { Value } from 'typebox/value';
import { recordAudit } from '../staff/audit.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { TENANT_PROFILE_SETTING } from '@cloudpos/tenant-db';
import { SETTING_GROUPS, type ReceiptProfile, type SettingGroup, type Settings } from './schemas.ts';

export const SETTING_KEYS = Object.keys(SETTING_GROUPS) as SettingGroup[];

/** What a tenant that changed nothing gets; money limits scale with the currency's minor units. */
export function defaultSettings(currency: string): Settings {
  const major = 10 ** currencyExponent(currency);
  return {
    pricing: { mode: 'half-even', level: 'line', cashIncrement: 1 },
    sales: { discountLimitPercent: '10' },
    offline: {
      maxOfflineHours: 24,
      maxSaleAmount: 500 * major,
      maxQueuedAmount: 5_000 * major,
      maxQueuedSales: 1_000,
      tenders: ['cash', 'external'],
    },
    receipt: { header: [], footer: [] },
  };
}

/** The effective settings from the stored rows (`key` → value), over the defaults. */
export function effectiveSettings(stored: Partial<Record<string, unknown>>, currency: string): Settings {
  const defaults = defaultSettings(currency);
  const group = <G extends SettingGroup>(key: G): Settings[G] => {
    const value = stored[key];
    if (!value || typeof value !== 'object') return defaults[key];
    const merged = { ...defaults[key] } as Record<string, unknown>;
    for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      if (!(field in merged)) continue;
      const candidate = { ...merged, [field]: fieldValue };
      if (Value.Check(SETTING_GROUPS[key], candidate)) merged[field] = fieldValue;
    }
    return merged as Settings[G];
  };
  return {
    pricing: group('pricing'),
    sales: group('sales'),
    offline: group('offline'),
    receipt: group('receipt'),
  };
}

/**
 * The name and locale receipts print, from the tenant's profile row (`tenant.profile`, written by
 * the operator): the slug and en-US where the profile says nothing.
 */
export function receiptProfileOf(profile: unknown, slug: string): ReceiptProfile {
  const { displayName, locale } = (profile ?? {}) as { displayName?: unknown; locale?: unknown };
  return {
    displayName: typeof displayName === 'string' && displayName ? displayName : slug,
    locale: typeof locale === 'string' && locale ? locale : 'en-US',
  };
}

export async function getReceiptProfile(ctx: RequestContext): Promise<ReceiptProfile> {
  const row = await ctx.em.findOne(Setting, { key: TENANT_PROFILE_SETTING });
  return receiptProfileOf(row?.value, ctx.tenant.slug);
}

export async function getSettings(ctx: RequestContext): Promise<Settings> {
  const rows = await ctx.em.find(Setting, { key: { $in: SETTING_KEYS } });
  return effectiveSettings(Object.fromEntries(rows.map((row) => [row.key, row.value])), ctx.tenant.currency);
}

/** Replaces one group (already validated by the route's schema), audited with what it was. */
export async function putSettingGroup<G extends SettingGroup>(
  ctx: RequestContext,
  key: G,
  value: Settings[G],
): Promise<Settings> {
  return ctx.em.transactional(async (em) => {
    const before = await em.findOne(Setting, { key });
    if (before) {
      before.value = value;
      before.updatedAt = new Date();
    } else {
      em.create(Setting, { key, value, updatedAt: new Date() });
    }
    recordAudit(
      ctx,
      {
        action: 'settings.update',
        outcome: 'succeeded',
        target: { type: 'setting', id: key },
        detail: { before: before?.value ?? null, after: value },
      },
      em,
    );
    await em.flush();
    const rows = await em.find(Setting, { key: { $in: SETTING_KEYS } });
    return effectiveSettings(
      Object.fromEntries(rows.map((row) => [row.key, row.value])),
      ctx.tenant.currency,
    );
  });
}
