// One schema per form, used by the browser (to say what is wrong before posting) and by the action
// on the server (which never trusts the browser). Only zod here: this module ships to the browser.
import { z } from 'zod';

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
