// Configuration from the environment, validated at boot: a missing or malformed setting stops the
// portal with a message naming it, never with the secret's value.
import { z } from 'zod';

const PLAN_NAMES = ['starter', 'growth', 'scale'] as const;

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((value) => value === 'true' || value === '1');

const ConfigSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Where merchants reach the portal: links in e-mails and Stripe's return URLs. */
  PUBLIC_URL: z.url(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** Signs the session and CSRF cookies; rotate by putting the new secret first (comma-separated). */
  SESSION_SECRETS: z
    .string()
    .transform((value) => value.split(',').map((secret) => secret.trim()))
    .refine((secrets) => secrets.every((secret) => secret.length >= 32), 'each secret needs 32+ characters'),
  COOKIE_SECURE: booleanFlag,
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL'),
  MAIL_FROM: z.string().default('CloudPOS <no-reply@cloudpos.localhost>'),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret key'),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith('whsec_', 'must be a webhook signing secret (whsec_...)'),
  /** The Stripe API host, only for the test fake; refused with a live key. */
  STRIPE_API_URL: z.url().optional(),
  /** The Stripe price of each plan: starter=price_...,growth=price_...,scale=price_... */
  STRIPE_PRICES: z.string().transform((value, ctx) => {
    const entries: Record<string, string | undefined> = Object.fromEntries(
      value.split(',').map((pair) => pair.trim().split('=') as [string, string]),
    );
    for (const plan of PLAN_NAMES) {
      if (!entries[plan]?.startsWith('price_')) {
        ctx.addIssue({ code: 'custom', message: `needs ${plan}=price_...` });
        return z.NEVER;
      }
    }
    return entries as Record<(typeof PLAN_NAMES)[number], string>;
  }),
  /** How long a failed payment leaves the tenant running before it is suspended (default 7 days). */
  BILLING_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 24 * 3600),
  /** Where tenants are created: a Tenant custom resource, or the operator's local mode. */
  PROVISIONER: z.enum(['kubernetes', 'local']).default('local'),
  /** Local mode: the folder of Tenant manifests (`.cloudpos/tenants`), and the local NATS. */
  TENANTS_DIR: z.string().optional(),
  NATS_URL: z.string().optional(),
  NATS_OPERATOR_SEED: z.string().optional(),
  NATS_SYSTEM_CREDS_FILE: z.string().optional(),
  /** The till of a tenant, `{slug}` replaced: http://{slug}.localhost:8080 locally. */
  TILL_URL_TEMPLATE: z.string().includes('{slug}'),
  /**
   * The platform secret portal tokens are derived from (ADR 0015); the tenants' APIs verify them.
   * Without it there is no store management (the pages say so).
   */
  PORTAL_TOKEN_SECRET: z.string().min(32).optional(),
  /**
   * The base URL of a tenant's POS API, `{slug}` replaced; by default the tenant's own URL
   * (TILL_URL_TEMPLATE, through the ingress). Locally the pooled API's address: the token names the tenant.
   */
  POS_API_URL_TEMPLATE: z.url().optional(),
});

export type PortalConfig = z.infer<typeof ConfigSchema>;
export type PlanName = (typeof PLAN_NAMES)[number];
export { PLAN_NAMES };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): PortalConfig {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid portal configuration: ${problems.join('; ')}`);
  }
  const config = result.data;
  if (config.STRIPE_API_URL && config.STRIPE_SECRET_KEY.includes('_live_'))
    throw new ConfigError('STRIPE_API_URL is for the test fake only and is refused with a live key');
  if (config.PROVISIONER === 'local') {
    const missing = ['TENANTS_DIR', 'NATS_URL', 'NATS_OPERATOR_SEED', 'NATS_SYSTEM_CREDS_FILE'].filter(
      (name) => !config[name as keyof PortalConfig],
    );
    if (missing.length > 0)
      throw new ConfigError(
        `PROVISIONER=local needs ${missing.join(', ')} (the local NATS in operator mode)`,
      );
  }
  return config;
}
