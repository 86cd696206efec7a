// One schema per form, used by the browser (to say what is wrong before posting) and by the action
// on the server (which never trusts the browser). Only zod here: this module ships to the browser.
import { z } from 'zod';
import { parseMoney } from './money.ts';

export const PLANS = [
  { id: 'starter', name: 'Starter', price: '29 € / month', summary: '1 store, 2 tills' },
  { id: 'growth', name: 'Growth', price: '79 € / month', summary: '5 stores, 20 tills' },
  { id: 'scale', name: 'Scale', price: '199 € / month', summary: 'Unlimited stores and tills' },
] as const;

const email = z.string().trim().toLowerCase().pipe(z.email('Enter a valid e-mail address.').max(254));

const newPassword = z
  .string()
  .min(12, 'Use at least 12 characters.')
  .max(200, 'Use at most 200 characters.')
  .refine((password) => new Set(password).size >= 6, 'Use a less repetitive password.');

export const signUpSchema = z.object({
  businessName: z.string().trim().min(2, 'Enter your business name.').max(120),
  email,
  password: newPassword,
});

export const logInSchema = z.object({
  email,
  password: z.string().min(1, 'Enter your password.').max(200),
});

/** Platform operators also give the current code of their authenticator app (TOTP, RFC 6238). */
export const adminLogInSchema = logInSchema.extend({
  code: z
    .string()
    .transform((value) => value.replace(/\s/g, ''))
    .pipe(z.string().regex(/^\d{6}$/, 'Type the 6 digits your authenticator app shows.')),
});

export const forgotPasswordSchema = z.object({ email });

export const resetPasswordSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is not valid.'),
  password: newPassword,
});

export const verifyEmailSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is not valid.'),
});

export const SLUG_PATTERN = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

export const choosePlanSchema = z.object({
  storeName: z.string().trim().min(2, 'Enter the name of your store.').max(120),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .regex(SLUG_PATTERN, 'Use 2 to 40 lowercase letters, digits and dashes (not at either end).'),
  plan: z.enum(['starter', 'growth', 'scale'], 'Choose a plan.'),
  currency: z.enum(['EUR', 'USD', 'GBP', 'CHF'], 'Choose a currency.').default('EUR'),
});

/** An owner switches a running tenant's subscription to another plan. */
export const switchPlanSchema = z.object({ plan: z.enum(['starter', 'growth', 'scale'], 'Choose a plan.') });

const accountRole = z.enum(['owner', 'manager'], 'Choose a role.');

export const inviteMemberSchema = z.object({ email, role: accountRole });
export const memberRoleSchema = z.object({ userId: z.uuid('Reload the page.'), role: accountRole });
export const removeMemberSchema = z.object({ userId: z.uuid('Reload the page.') });
export const revokeInvitationSchema = z.object({ id: z.uuid('Reload the page.') });
export const switchAccountSchema = z.object({ accountId: z.uuid('Choose an account.') });

const invitationToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This link is not valid.');
/** Accepting with a new login: the address has none yet. */
export const acceptInvitationSchema = z.object({ token: invitationToken, password: newPassword });
/** Accepting as the signed-in person the invitation is addressed to. */
export const joinAccountSchema = z.object({ token: invitationToken });

/** A platform operator suspends (with a reason for the audit trail) or resumes a tenant. */
export const operatorSuspendSchema = z.discriminatedUnion('suspend', [
  z.object({
    slug: z.string().regex(SLUG_PATTERN, 'Reload the page.'),
    suspend: z.literal('true'),
    reason: z
      .string()
      .trim()
      .min(3, 'Say why (the merchant’s support will ask).')
      .max(500, 'Use at most 500 characters.')
      // Control characters (a NUL byte) have no place in a note, and PostgreSQL refuses NUL.
      .regex(/^[^\p{Cc}]*$/u, 'Use letters, digits and punctuation only.'),
  }),
  z.object({
    slug: z.string().regex(SLUG_PATTERN, 'Reload the page.'),
    suspend: z.literal('false'),
    // Resuming records no reason: whatever came with the form is dropped.
    reason: z
      .string()
      .optional()
      .transform(() => ''),
  }),
]);

export type FieldErrors = Partial<Record<string, string>>;

/** The first message per field, for showing next to each input. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}

/** Reads a form into a plain object for a schema (the CSRF field stays out of the data). */
export function formObject(form: FormData): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === 'string' && key !== 'csrf') data[key] = value;
  return data;
}

// ---------------------------------------------------------------------------------------------------
// Store management (the tenant's POS API decides too; these catch mistakes before a round trip)

/** A route's id parameter that can name an API object (anything else is "not found" at once). */
export const isUuid = (value: string | undefined) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value ?? '');

const version = z.coerce.number().int().min(1, 'This form is out of date. Reload the page.');
const uuid = z.uuid('Choose one from the list.');

export const newStoreSchema = z.object({
  code: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9][A-Z0-9_-]{0,15}$/, 'Use 1 to 16 capital letters, digits, - or _ (MAIN, BERLIN-1).'),
  name: z.string().trim().min(1, 'Enter the store’s name.').max(200),
});

export const renameStoreSchema = z.object({
  id: uuid,
  version,
  name: z.string().trim().min(1, 'Enter the store’s name.').max(200),
});

export const closeStoreSchema = z.object({ id: uuid, version });

const registerName = z.string().trim().min(1, 'Enter a name for the register.').max(100);

export const renameRegisterSchema = z.object({ id: uuid, name: registerName });
export const moveRegisterSchema = z.object({ id: uuid, storeId: uuid });
export const registerActiveSchema = z.object({ id: uuid, active: z.enum(['true', 'false']) });
/** A one-time pairing code; the store is asked for only when the tenant has several open stores. */
export const pairRegisterSchema = z.object({ storeId: uuid.optional() });

const productName = z.string().trim().min(1, 'Enter the product’s name.').max(200);
const price = z
  .string()
  .trim()
  .regex(/^\d{1,9}([.,]\d{1,3})?$/, 'Enter a price such as 3.50.');

export const newProductSchema = z.object({
  name: productName,
  sku: z
    .string()
    .trim()
    .regex(/^\S{1,64}$/, 'Enter a SKU without spaces (at most 64 characters).'),
  price,
  taxCategoryId: uuid,
});

export const editProductSchema = z.object({
  version,
  name: productName,
  description: z.string().trim().max(5000, 'Use at most 5,000 characters.').default(''),
  active: z.enum(['true', 'false']).default('true'),
  /** Empty: no category (the till shows it under All only). */
  categoryId: z.union([z.literal(''), uuid]).default(''),
});

// A product's variants (each its own SKU, barcode and prices) and their prices per store.
const sku = z
  .string()
  .trim()
  .regex(/^\S{1,64}$/, 'Enter a SKU without spaces (at most 64 characters).');
const variantFields = {
  name: z.string().trim().min(1, 'Name the variant, such as Large.').max(100),
  sku,
  barcode: z
    .string()
    .trim()
    .regex(/^\S{0,64}$/, 'Enter the barcode without spaces (at most 64 characters), or nothing.')
    .default(''),
};

export const newVariantSchema = z.object({ ...variantFields, price });
/** A product's first variant may have no name of its own (it is the product). */
export const editVariantSchema = z.object({
  version,
  ...variantFields,
  name: z.string().trim().max(100, 'Use at most 100 characters.').default(''),
});
export const deleteVariantSchema = z.object({ version });

/** A store's own price (or the all-stores price, without storeId), typed in its currency. */
export const setPriceSchema = z.object({ storeId: uuid.optional(), amount: price });
/** A price changed at the version it was read at. */
export const changePriceSchema = z.object({ id: uuid, version, amount: price });
export const deletePriceSchema = z.object({ id: uuid, version });

// Categories group products on the tills' grid.
const categoryName = z.string().trim().min(1, 'Enter the category’s name.').max(100);
export const newCategorySchema = z.object({
  name: categoryName,
  /** Empty: a top-level category; else the top-level category it goes under. */
  parentId: z.union([z.literal(''), uuid]).optional(),
});
export const moveCategorySchema = z.object({ id: uuid, direction: z.enum(['up', 'down']) });
export const placeCategorySchema = z.object({
  id: uuid,
  version,
  parentId: z.union([z.literal(''), uuid]),
});
export const renameCategorySchema = z.object({ id: uuid, version, name: categoryName });
export const deleteCategorySchema = z.object({ id: uuid, version });

export const newTaxCategorySchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'Use a short code such as VAT19 (letters, digits, . _ -).'),
  name: z.string().trim().min(1, 'Enter a name.').max(100),
  rate: z
    .string()
    .trim()
    .regex(/^(0|[1-9][0-9]{0,2})(\.[0-9]{1,6})?$/, 'Enter the rate in percent, such as 19 or 8.875.'),
  inclusive: z.enum(['true', 'false'], 'Say whether prices include the tax.'),
});

const staffRole = z.enum(['owner', 'manager', 'cashier'], 'Choose a role.');
const pin = z.string().regex(/^\d{4,12}$/, 'Use 4 to 12 digits.');

export const newStaffSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{1,16}$/, 'Use up to 16 letters or digits (the code staff type on the till).'),
  displayName: z.string().trim().min(1, 'Enter a name.').max(100),
  role: staffRole,
  pin,
});

export const resetPinSchema = z.object({ id: uuid, pin });
export const staffActiveSchema = z.object({ id: uuid, active: z.enum(['true', 'false']) });

// ---------------------------------------------------------------------------------------------------
// Settings: one form per group of GET /v1/settings; each schema turns what a person typed (amounts in
// the tenant's currency, text areas of lines) into the body PUT /v1/settings/<group> takes.

const wholeNumber = (min: number, max: number) => {
  const message = `Enter a whole number from ${min} to ${max}.`;
  return z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message));
};

const amountIn = (currency: string, min: number, max: number) =>
  z.string().transform((text, context) => {
    const minor = parseMoney(text, currency);
    if (minor === undefined || minor < min || minor > max) {
      context.addIssue({ code: 'custom', message: `Enter an amount in ${currency}, such as 250.00.` });
      return z.NEVER;
    }
    return minor;
  });

/** The most lines and characters per line of a receipt header or footer (as the API allows). */
export const RECEIPT_TEXT_LIMITS = { lines: 8, characters: 64 } as const;

/** A text area of receipt lines: trailing spaces and trailing empty lines dropped; plain text only. */
const receiptLines = z.string().transform((text, context) => {
  const lines = text.split(/\r?\n/).map((line) => line.trimEnd());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  if (lines.length > RECEIPT_TEXT_LIMITS.lines) {
    context.addIssue({ code: 'custom', message: `Use at most ${RECEIPT_TEXT_LIMITS.lines} lines.` });
    return z.NEVER;
  }
  for (const [index, line] of lines.entries()) {
    if (/\p{Cc}/u.test(line)) {
      context.addIssue({
        code: 'custom',
        message: `Line ${index + 1} has a tab or a control character: use plain text.`,
      });
      return z.NEVER;
    }
    if (line.length > RECEIPT_TEXT_LIMITS.characters) {
      context.addIssue({
        code: 'custom',
        message: `Line ${index + 1} has ${line.length} characters: use at most ${RECEIPT_TEXT_LIMITS.characters}.`,
      });
      return z.NEVER;
    }
  }
  return lines;
});

/** The settings forms of a tenant whose money is in `currency`. */
export function settingsSchemas(currency: string) {
  return {
    pricing: z.object({
      mode: z.enum(['half-even', 'half-up'], 'Choose how amounts round.'),
      level: z.enum(['line', 'document'], 'Choose where tax rounds.'),
      // 1 minor unit (no cash rounding) up to 1,000 minor units, as the API allows.
      cashIncrement: amountIn(currency, 1, 1000),
    }),
    sales: z.object({
      discountLimitPercent: z
        .string()
        .trim()
        .regex(/^\d{1,3}(\.\d{1,6})?$/, 'Enter a percent such as 10 or 12.5.')
        .refine((percent) => Number(percent) <= 100, 'Enter a percent from 0 to 100.'),
    }),
    offline: z
      .object({
        maxOfflineHours: wholeNumber(0, 168),
        maxSaleAmount: amountIn(currency, 0, 99_999_999_999),
        maxQueuedAmount: amountIn(currency, 0, 99_999_999_999),
        maxQueuedSales: wholeNumber(0, 10_000),
        tenderCash: z.literal('on').optional(),
        tenderExternal: z.literal('on').optional(),
      })
      .transform(({ tenderCash, tenderExternal, ...limits }) => ({
        ...limits,
        tenders: [...(tenderCash ? ['cash' as const] : []), ...(tenderExternal ? ['external' as const] : [])],
      })),
    receipt: z.object({ header: receiptLines, footer: receiptLines }),
  };
}

export type SettingsGroup = keyof ReturnType<typeof settingsSchemas>;
export const SETTINGS_GROUPS = ['pricing', 'sales', 'offline', 'receipt'] as const satisfies SettingsGroup[];
