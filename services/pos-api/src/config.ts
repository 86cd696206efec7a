// Configuration from the environment, validated at boot: a missing or malformed setting stops the
// process with a message that names it (never a stack trace, never the secret's value).
import { isIP } from 'node:net';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { parsePinPeppers, PIN_PEPPERS_FORMAT } from './staff/pin-peppers.ts';

const Bool = Type.Boolean({ default: false });

const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  /**
   * Connections of this process to Postgres, one per request in flight at most (each request's
   * statements, ORM and SQL, run on one). Tenant roles have their own limits (per plan).
   */
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  // The tenants' NATS accounts: sales are written to the outbox (the worker relays them), and read
  // back from the tenant's stream by GET /v1/sales/events. Dedicated: the tenant's user credentials
  // (NATS_CREDS_FILE). Pooled (local mode): each tenant's `<NATS_CREDS_DIR>/<slug>.nats.creds`.
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://' })),
  NATS_CREDS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  NATS_CREDS_DIR: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_URL: Type.String({ pattern: '^rediss?://' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),

  // Tenancy. dedicated: one tenant, fixed here (the operator's ConfigMap), with the tenant's own
  // database role. pooled: every tenant of the database, chosen per request by host name or token.
  TENANT_MODE: Type.Union([Type.Literal('dedicated'), Type.Literal('pooled')], { default: 'dedicated' }),
  TENANT_SLUG: Type.Optional(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$' })),
  TENANT_CURRENCY: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  TENANT_TIMEZONE: Type.String({ minLength: 1, default: 'UTC' }),
  TENANT_READ_ONLY: Bool,
  /** The tenant's schema in dedicated mode; defaults to tenant_<slug>. */
  DATABASE_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' })),
  /** Tenants are served at <slug>.<BASE_DOMAIN> (and <slug>.localhost). */
  BASE_DOMAIN: Type.Optional(Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$' })),
  /** How long the pooled API trusts what it read about a tenant (existence, currency, read-only). */
  TENANT_CACHE_TTL_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 30_000 }),

  // Staff sign-in. Access tokens are HS256 JWTs signed with a key derived per tenant from AUTH_SECRET.
  AUTH_SECRET: Type.String({ minLength: 32 }),
  /**
   * HMAC keys that pepper PIN hashes, kept out of the database: `v2:<base64>,v1:<base64>`, the
   * current one first (staff/pin-peppers.ts). Required: without it a stolen dump yields PINs.
   */
  PIN_PEPPERS: Type.String({ minLength: 1 }),
  /**
   * The merchant portal acts on the tenant for its signed-in users with portal tokens (ADR 0015):
   * PORTAL_TOKEN_SECRET is the platform's secret every tenant's key is derived from (pooled APIs);
   * a dedicated API may get only its own tenant's key instead, PORTAL_TOKEN_KEY (base64url, 32 bytes,
   * `portalTokenKey(secret, slug)`). Without either, portal tokens are refused.
   */
  PORTAL_TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  PORTAL_TOKEN_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, maximum: 3600, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 300, maximum: 30 * 86_400, default: 43_200 }),
  APPROVAL_TTL_SECONDS: Type.Integer({ minimum: 10, maximum: 900, default: 120 }),
  /** Wrong PINs in a row before a lockout; each further lockout lasts twice as long. */
  PIN_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  PIN_LOCKOUT_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),

  /** The built till served at /till/ (services/till/dist in the repository by default). */
  TILL_DIR: Type.Optional(Type.String({ minLength: 1 })),

  // Platform: browsers allowed to call the API, and request limits (Redis, per tenant and client).
  /** Comma-separated origins (https://till.example.com); empty: no cross-origin browser calls. */
  CORS_ORIGINS: Type.String({ default: '' }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, default: 600 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60_000 }),
  /** Hits of a client's window a process takes from Redis at once (limits/counters.ts). */
  RATE_LIMIT_LEASE: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** Wrong PINs per minute on one till whose device secret was right. */
  SIGN_IN_LIMIT_PER_DEVICE: Type.Integer({ minimum: 1, default: 10 }),
  /** Wrong PINs per minute on all recognized tills of a tenant. */
  SIGN_IN_LIMIT_PER_TENANT: Type.Integer({ minimum: 1, default: 100 }),
  /** Sign-ins naming no valid till, and setup attempts, per minute from one client address. */
  SIGN_IN_LIMIT_PER_ADDRESS: Type.Integer({ minimum: 1, default: 20 }),
  /**
   * Receipt e-mails (POST /v1/sales/:id/receipt/email) per RECEIPT_MAIL_WINDOW_MS from one till and
   * on the whole tenant, and in all for one receipt: a till cannot become a spam relay.
   */
  RECEIPT_MAIL_LIMIT_PER_DEVICE: Type.Integer({ minimum: 1, default: 30 }),
  RECEIPT_MAIL_LIMIT_PER_TENANT: Type.Integer({ minimum: 1, default: 300 }),
  RECEIPT_MAIL_WINDOW_MS: Type.Integer({ minimum: 1000, default: 3_600_000 }),
  RECEIPT_MAIL_PER_SALE: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
  /**
   * Comma-separated addresses or CIDRs of the proxies in front of the API (the ingress controller's
   * pods, say 10.0.0.0/8) whose X-Forwarded-For names the client. Empty: trust no proxy, the client
   * is the peer. Never "true": any client could then choose its address and escape its limits.
   */
  TRUST_PROXY: Type.String({ default: '' }),

  // Card payments (Stripe). Without a secret key card payments are unavailable; cash and external
  // tenders still work. The API host settings exist for tests (an HTTP fake of Stripe's API).
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^(sk|rk)_(test|live)_[A-Za-z0-9_]+$' })),
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/=_]+$' })),
  STRIPE_API_HOST: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.-]+$' })),
  STRIPE_API_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  STRIPE_API_PROTOCOL: Type.Optional(Type.Union([Type.Literal('https'), Type.Literal('http')])),
  /**
   * `npm start` only: the till offers Stripe's simulated card reader with test cards (no real money).
   * Refused with a live key, with a Stripe API other than one on this machine, in dedicated mode
   * and inside a Kubernetes cluster.
   */
  CARD_READER_SIMULATION: Bool,
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  }
  const missing = Object.entries(ConfigSchema.properties)
    .filter(
      ([key, schema]) =>
        (ConfigSchema.required as readonly string[]).includes(key) && !('default' in schema) && !(key in raw),
    )
    .map(([key]) =>
      key === 'PIN_PEPPERS' ? `${key} is not set (${PIN_PEPPERS_FORMAT})` : `${key} is not set`,
    );
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw)) as Record<
    string,
    unknown
  >;
  const invalid = [...Value.Errors(ConfigSchema, withDefaults)]
    .map((error) => error.instancePath.replace(/^\//, ''))
    .filter((key) => key !== '' && key in raw)
    .map((key) =>
      key === 'AUTH_SECRET' || key === 'PORTAL_TOKEN_SECRET'
        ? `${key} is invalid (at least 32 characters)`
        : key === 'PORTAL_TOKEN_KEY'
          ? `${key} is invalid (32 bytes as base64url, 43 characters)`
          : `${key} is invalid`,
    );
  const problems = [...new Set([...missing, ...invalid, ...crossFieldProblems(withDefaults, raw, env)])];
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return withDefaults as Config;
}

function crossFieldProblems(
  config: Record<string, unknown>,
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): string[] {
  const problems: string[] = [];
  if (config.TENANT_MODE === 'dedicated') {
    for (const key of ['TENANT_SLUG', 'TENANT_CURRENCY']) {
      if (!(key in raw)) problems.push(`${key} is not set (required when TENANT_MODE is dedicated)`);
    }
  }
  if (typeof config.CORS_ORIGINS === 'string' && corsOriginsOf(config.CORS_ORIGINS) === undefined) {
    problems.push('CORS_ORIGINS is invalid (comma-separated origins such as https://till.example.com)');
  }
  if (typeof config.TRUST_PROXY === 'string' && trustedProxiesOf(config.TRUST_PROXY) === undefined) {
    problems.push(
      'TRUST_PROXY is invalid (comma-separated proxy addresses or CIDRs such as 10.0.0.0/8, or empty to trust none)',
    );
  }
  if ('PORTAL_TOKEN_KEY' in raw && config.TENANT_MODE !== 'dedicated') {
    problems.push(
      'PORTAL_TOKEN_KEY is one tenant’s key: only for TENANT_MODE=dedicated (pooled: PORTAL_TOKEN_SECRET)',
    );
  }
  problems.push(...stripeProblems(raw), ...simulationProblems(config, raw, env));
  if (typeof raw.PIN_PEPPERS === 'string') {
    try {
      parsePinPeppers(raw.PIN_PEPPERS);
    } catch (error) {
      problems.push(`PIN_PEPPERS is invalid: ${(error as Error).message} (${PIN_PEPPERS_FORMAT})`);
    }
  }
  return problems;
}

/** Card payment settings that only make sense together; never echoes a key. */
function stripeProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if ('STRIPE_SECRET_KEY' in raw && !('STRIPE_WEBHOOK_SECRET' in raw)) {
    problems.push(
      'STRIPE_WEBHOOK_SECRET is not set (required with STRIPE_SECRET_KEY: outcomes arrive by webhook)',
    );
  }
  if ('STRIPE_WEBHOOK_SECRET' in raw && !('STRIPE_SECRET_KEY' in raw)) {
    problems.push('STRIPE_SECRET_KEY is not set (required with STRIPE_WEBHOOK_SECRET)');
  }
  const redirected = ['STRIPE_API_HOST', 'STRIPE_API_PORT', 'STRIPE_API_PROTOCOL'].some((key) => key in raw);
  const key = typeof raw.STRIPE_SECRET_KEY === 'string' ? raw.STRIPE_SECRET_KEY : '';
  if (redirected && /^(sk|rk)_live_/.test(key)) {
    problems.push(
      'STRIPE_API_HOST/PORT/PROTOCOL are for tests: a live STRIPE_SECRET_KEY goes to Stripe only',
    );
  }
  return problems;
}

/**
 * The simulated card reader is a newcomer's toy for `npm start`: it must never be reachable where
 * money is real. Each rule alone would keep it out of production; together they also explain why.
 */
function simulationProblems(
  config: Record<string, unknown>,
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): string[] {
  if (config.CARD_READER_SIMULATION !== true) return [];
  const refused = (why: string) => `CARD_READER_SIMULATION is refused ${why}`;
  const problems: string[] = [];
  const key = typeof raw.STRIPE_SECRET_KEY === 'string' ? raw.STRIPE_SECRET_KEY : '';
  if (!/^(sk|rk)_test_/.test(key)) {
    problems.push(
      refused(
        /^(sk|rk)_live_/.test(key)
          ? 'with a live STRIPE_SECRET_KEY (real money)'
          : 'without a test STRIPE_SECRET_KEY (the simulated reader’s Stripe)',
      ),
    );
  }
  const host = typeof raw.STRIPE_API_HOST === 'string' ? raw.STRIPE_API_HOST : '';
  if (!['127.0.0.1', 'localhost'].includes(host)) {
    problems.push(refused('unless STRIPE_API_HOST is this machine (the local platform runs the reader)'));
  }
  if (config.TENANT_MODE !== 'pooled') {
    problems.push(refused('in dedicated mode (a cluster’s tenant API); it is for npm start'));
  }
  // Kubernetes sets this in every container of every pod.
  if (env.KUBERNETES_SERVICE_HOST) problems.push(refused('inside a Kubernetes cluster'));
  return problems;
}

/** The CORS allowlist: exact origins (scheme, host, optional port); undefined when one is malformed. */
export function corsOriginsOf(value: string): string[] | undefined {
  const origins = value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  const valid = origins.every((origin) => {
    try {
      const url = new URL(origin);
      return /^https?:$/.test(url.protocol) && url.origin === origin;
    } catch {
      return false;
    }
  });
  return valid ? origins : undefined;
}

/**
 * The proxies whose X-Forwarded-For is believed: IPv4/IPv6 addresses or CIDRs. An empty list means
 * none (undefined is returned only when an entry is malformed). Booleans and hop counts are refused:
 * both believe whatever a client writes in the header.
 */
export function trustedProxiesOf(value: string): string[] | undefined {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const valid = entries.every((entry) => {
    const [address = '', bits, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (bits === undefined) return true;
    const max = family === 4 ? 32 : 128;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
  });
  return valid ? entries : undefined;
}
