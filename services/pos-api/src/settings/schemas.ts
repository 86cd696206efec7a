// TypeBox schemas of the tenant's settings: what an owner may change, group by group.
import { Type, type Static } from 'typebox';

const MinorUnits = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, description: `${description}, in minor units` });

export const PricingSettings = Type.Object(
  {
    mode: Type.Union([Type.Literal('half-even'), Type.Literal('half-up')], {
      description: 'How tax and discounts round: half-even (banker’s) or half-up',
    }),
    level: Type.Union([Type.Literal('line'), Type.Literal('document')], {
      description: 'Round tax per line or once for the whole sale',
    }),
    cashIncrement: Type.Integer({
      minimum: 1,
      maximum: 1000,
      description: 'Cash totals round to this many minor units (1: none; 5: to 0.05)',
    }),
  },
  { additionalProperties: false },
);

export const SalesSettings = Type.Object(
  {
    discountLimitPercent: Type.String({
      pattern: '^\\d{1,3}(\\.\\d{1,6})?$',
      maxLength: 10,
      description: 'Discounts above this percent of what they apply to need discount.overLimit',
    }),
  },
  { additionalProperties: false },
);

export const OfflineTender = Type.Union([Type.Literal('cash'), Type.Literal('external')]);

export const OfflineSettings = Type.Object(
  {
    maxOfflineHours: Type.Integer({
      minimum: 0,
      maximum: 168,
      description:
        'Longest a sale may wait for the server before the till stops selling offline (0: never offline)',
    }),
    maxSaleAmount: MinorUnits('Largest single sale made offline'),
    maxQueuedAmount: MinorUnits('Most money waiting for the server on one till'),
    maxQueuedSales: Type.Integer({
      minimum: 0,
      maximum: 10_000,
      description: 'Most sales waiting on one till',
    }),
    tenders: Type.Array(OfflineTender, {
      uniqueItems: true,
      maxItems: 2,
      description: 'Tenders a till may take offline (cards always need the network)',
    }),
  },
  { additionalProperties: false },
);

/** Receipt text is the tenant's words on paper: plain text, no control characters, short lines. */
export const RECEIPT_TEXT_MAX_LINES = 8;
export const RECEIPT_TEXT_MAX_LENGTH = 64;

const ReceiptText = (description: string) =>
  Type.Array(
    Type.String({
      maxLength: RECEIPT_TEXT_MAX_LENGTH,
      // Control characters would be printer commands on ESC/POS paper (and vanish elsewhere).
      pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$',
    }),
    { maxItems: RECEIPT_TEXT_MAX_LINES, description },
  );

export const ReceiptSettings = Type.Object(
  {
    header: ReceiptText('Lines printed under the store’s name on every receipt (plain text)'),
    footer: ReceiptText('Lines printed at the end of every receipt (plain text)'),
  },
  { additionalProperties: false },
);

export const SETTING_GROUPS = {
  pricing: PricingSettings,
  sales: SalesSettings,
  offline: OfflineSettings,
  receipt: ReceiptSettings,
} as const;

export type SettingGroup = keyof typeof SETTING_GROUPS;

export const SettingsSchema = Type.Object(SETTING_GROUPS);

/** Read-only beside the groups: who the tenant is on its receipts (the operator writes it from the Tenant). */
export const ReceiptProfileSchema = Type.Object(
  {
    displayName: Type.String({ description: 'The name receipts print at the top' }),
    locale: Type.String({ description: 'BCP 47: the language and number format of receipts' }),
  },
  { additionalProperties: false },
);

/** GET /v1/settings: every group, and the profile a till needs to print a receipt offline. */
export const SettingsWithProfileSchema = Type.Object({ ...SETTING_GROUPS, profile: ReceiptProfileSchema });
export type ReceiptProfile = Static<typeof ReceiptProfileSchema>;

export type Settings = Static<typeof SettingsSchema>;
export type OfflineLimits = Static<typeof OfflineSettings>;
export type ReceiptTextSettings = Static<typeof ReceiptSettings>;
