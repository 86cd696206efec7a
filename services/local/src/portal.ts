// The merchant portal under `npm start`: Mailpit (real SMTP; its web UI is the mailbox a person
// reads), Stripe (the real one when STRIPE_SECRET_KEY and friends are set; otherwise the project's
// Stripe test fake, in this process, so sign-up and Checkout work with no account and no money),
// and the portal itself, built and started as its own process, provisioning tenants through the
// operator's local mode into this machine's PostgreSQL and NATS.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ActionableError, StripeFake, startMailpit, type MailpitServer } from '@cloudpos/harness';
import { buildPortal } from '@cloudpos/portal/build';
import type { LocalSettings } from './settings.ts';
import type { Child } from './supervisor.ts';

export interface PortalStack {
  portalUrl: string;
  mailpit: MailpitServer;
  /** How payments are taken: "Stripe (STRIPE_SECRET_KEY)" or the fake's URL. */
  stripe: string;
  stopFake(): Promise<void>;
}

export interface PortalStackOptions {
  settings: LocalSettings;
  databaseUrl: string;
  nats: { url: string; operatorSeed: string; systemUserCreds: string };
  /** Signs portal tokens; the pooled API verifies them (ADR 0015). */
  portalTokenSecret: string;
  /** Starts the portal process the way start.ts starts every service (stopped with the rest). */
  startService(options: {
    name: string;
    module: string;
    logFile: string;
    readiness: string;
    env: Record<string, string>;
  }): Promise<unknown>;
  logDir: string;
  /** Starts a process and keeps it running (start.ts's supervisor). */
  keep<T extends Child>(name: string, start: () => Promise<T>): Promise<T>;
  /** Registers something to stop on Ctrl-C. */
  onStop(name: string, stop: () => Promise<unknown>): void;
}

const PLAN_PRICES = { starter: 2900, growth: 7900, scale: 19900 } as const;

export async function startPortalStack(options: PortalStackOptions): Promise<PortalStack> {
  const { settings } = options;
  const mailpit = await options.keep('Mailpit', () =>
    startMailpit({
      dir: join(settings.home, 'data', 'mailpit'),
      smtpPort: settings.ports.mailpitSmtp,
      httpPort: settings.ports.mailpit,
    }),
  );

  const portalUrl = `http://127.0.0.1:${settings.ports.portal}`;
  const stripe = await stripeSettings(portalUrl);
  if (stripe.fake) options.onStop('Stripe test fake', () => stripe.fake!.stop());

  const credsFile = join(settings.home, 'portal', 'nats-system.creds');
  await writeSecret(credsFile, options.nats.systemUserCreds);
  await buildPortal().catch((error: unknown) => {
    throw new ActionableError(
      `Building the portal failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim().split('\n').slice(-3).join(' ')}`,
      'run `npm run build -w @cloudpos/portal` to see the whole error',
    );
  });
  await options.startService({
    name: 'portal',
    module: '@cloudpos/portal/server',
    logFile: join(options.logDir, 'portal.log'),
    readiness: `${portalUrl}/healthz`,
    env: {
      OTEL_SERVICE_NAME: 'portal',
      HOST: '127.0.0.1',
      PORT: String(settings.ports.portal),
      PUBLIC_URL: portalUrl,
      DATABASE_URL: options.databaseUrl,
      SESSION_SECRETS: await portalSessionSecret(settings.home),
      SMTP_URL: mailpit.smtpUrl,
      ...stripe.env,
      PROVISIONER: 'local',
      TENANTS_DIR: join(settings.home, 'tenants'),
      NATS_URL: options.nats.url,
      NATS_OPERATOR_SEED: options.nats.operatorSeed,
      NATS_SYSTEM_CREDS_FILE: credsFile,
      TILL_URL_TEMPLATE: `http://{slug}.localhost:${settings.ports.api}`,
      PORTAL_TOKEN_SECRET: options.portalTokenSecret,
      // The pooled API by address: the portal token names the tenant (Node's fetch drops Host).
      POS_API_URL_TEMPLATE: `http://127.0.0.1:${settings.ports.api}`,
    },
  });
  return {
    portalUrl,
    mailpit,
    stripe: stripe.fake
      ? `Stripe test fake on ${stripe.fake.url} (no real money)`
      : 'Stripe (STRIPE_SECRET_KEY)',
    stopFake: async () => stripe.fake?.stop(),
  };
}

const STRIPE_VARIABLES = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_PRICES'] as const;

async function stripeSettings(
  portalUrl: string,
): Promise<{ env: Record<string, string>; fake?: StripeFake }> {
  const given = STRIPE_VARIABLES.filter((name) => process.env[name]);
  if (given.length === STRIPE_VARIABLES.length) return { env: {} };
  if (given.length > 0)
    throw new ActionableError(
      `Only some of ${STRIPE_VARIABLES.join(', ')} are set.`,
      'set all three to use your Stripe account, or none to use the local Stripe test fake',
    );
  const fake = await StripeFake.start();
  const prices = Object.entries(PLAN_PRICES).map(
    ([plan, unitAmount]) =>
      // Named as the plan: the customer portal's page lists prices by name.
      `${plan}=${fake.billing.createPrice({ unitAmount, currency: 'eur', nickname: plan[0]!.toUpperCase() + plan.slice(1) }).id as string}`,
  );
  return {
    fake,
    env: {
      STRIPE_SECRET_KEY: fake.secretKey,
      STRIPE_WEBHOOK_SECRET: fake.addWebhookEndpoint(`${portalUrl}/stripe/webhook`),
      STRIPE_API_URL: fake.url,
      STRIPE_PRICES: prices.join(','),
    },
  };
}

/** Signs the portal's session and CSRF cookies: made once, kept (0600), so sign-ins survive restarts. */
async function portalSessionSecret(home: string): Promise<string> {
  const file = join(home, 'portal', 'session-secret');
  try {
    await writeSecret(file, randomBytes(32).toString('base64url'), 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await readFile(file, 'utf8')).trim();
}

async function writeSecret(file: string, content: string, flag = 'w'): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, content, { mode: 0o600, flag });
}
