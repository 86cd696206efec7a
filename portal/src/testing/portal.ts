// A whole portal for a test file: its own database, a real Mailpit, the Stripe fake with the three
// plans' prices and a webhook endpoint pointing at the portal, the operator's local mode against the
// project's PostgreSQL and NATS (operator mode), listening on a free port for the browser.
import {
  createTestDatabase,
  freePort,
  startMailpit,
  StripeFake,
  type MailpitServer,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { PosApi } from '@cloudpos/pos-api';
import { listeningTestApi, TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { buildApp } from '../app.ts';
import { loadConfig, type PortalConfig } from '../config.ts';
import { migratePlatform } from '../db/migrate.ts';
import { createRuntime, type PortalRuntime } from '../services.ts';

export interface TestPortal {
  url: string;
  config: PortalConfig;
  app: FastifyInstance;
  runtime: PortalRuntime;
  stripe: StripeFake;
  mailpit: MailpitServer;
  databaseUrl: string;
  /** The pooled POS API of the tenants, when asked for (store management). */
  posApi: { url: string; app: PosApi } | undefined;
  stop(): Promise<void>;
}

/** PostgreSQL (a superuser's URL), Redis, and NATS in operator mode with its system user. */
export interface PortalInfra {
  postgresUrl: string;
  redisUrl: string;
  natsOperatorUrl: string;
  natsOperatorSeed: string;
  natsSystemUserCreds: string;
}

const providedInfra = (): PortalInfra => ({
  postgresUrl: inject('postgresUrl'),
  redisUrl: inject('redisUrl'),
  natsOperatorUrl: inject('natsOperatorUrl'),
  natsOperatorSeed: inject('natsOperatorSeed'),
  natsSystemUserCreds: inject('natsSystemUserCreds'),
});

export async function startTestPortal(
  name: string,
  overrides: Parameters<typeof createRuntime>[1] = {},
  env: Record<string, string> = {},
  extras: {
    posApi?: boolean;
    /** The tenants' tills at `/till/` on the pooled API (`<slug>.localhost:<its port>`), for browsers. */
    tillOnPosApi?: boolean;
    /** The engines to use; those the test run provides when absent (the benchmark brings its own). */
    infra?: PortalInfra;
  } = {},
): Promise<TestPortal> {
  const infra = extras.infra ?? providedInfra();
  const dir = await mkdtemp(join(tmpdir(), `cloudpos-portal-${name}-`));
  const db = await createTestDatabase(infra.postgresUrl, `portal_${name}`);
  const mailpit = await startMailpit({ dir: join(dir, 'mailpit') });
  const stripe = await StripeFake.start();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const webhookSecret = stripe.addWebhookEndpoint(`${url}/stripe/webhook`);
  const prices = ['starter', 'growth', 'scale'].map(
    (plan, index) =>
      `${plan}=${
        stripe.billing.createPrice({
          unitAmount: [2900, 7900, 19900][index]!,
          currency: 'eur',
          nickname: plan[0]!.toUpperCase() + plan.slice(1),
        }).id as string
      }`,
  );
  // The tenants' pooled POS API, on the same database the local provisioner creates them in.
  const posApi = extras.posApi
    ? await listeningTestApi({
        databaseUrl: db.url,
        redisUrl: infra.redisUrl,
        // Sale events read back from each tenant's stream with the credentials local mode writes.
        nats: { url: infra.natsOperatorUrl, credsDir: join(dir, 'tenants') },
      })
    : undefined;
  const credsFile = join(dir, 'system.creds');
  await writeFile(credsFile, infra.natsSystemUserCreds, { mode: 0o600 });
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: db.url,
    SESSION_SECRETS: 'a-test-secret-that-is-long-enough-000',
    SMTP_URL: mailpit.smtpUrl,
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_API_URL: stripe.url,
    STRIPE_PRICES: prices.join(','),
    PROVISIONER: 'local',
    TENANTS_DIR: join(dir, 'tenants'),
    NATS_URL: infra.natsOperatorUrl,
    NATS_OPERATOR_SEED: infra.natsOperatorSeed,
    NATS_SYSTEM_CREDS_FILE: credsFile,
    TILL_URL_TEMPLATE:
      posApi && extras.tillOnPosApi
        ? `http://{slug}.localhost:${new URL(posApi.url).port}`
        : 'http://{slug}.localhost:8080',
    ...(posApi ? { POS_API_URL_TEMPLATE: posApi.url, PORTAL_TOKEN_SECRET: TEST_PORTAL_TOKEN_SECRET } : {}),
    ...env,
  });
  await migratePlatform(config.DATABASE_URL);
  const runtime = await createRuntime(config, overrides);
  const app = await buildApp({ runtime });
  await app.listen({ host: '127.0.0.1', port });
  return {
    url,
    config,
    app,
    runtime,
    stripe,
    mailpit,
    databaseUrl: db.url,
    posApi,
    async stop() {
      await step('the Stripe fake', () => stripe.stop());
      await step('the portal', async () => {
        // A connection a test left open (an event stream, a socket that never sent a request) must
        // not hold the close: whatever is still open 2 s after it began goes, as with the POS API.
        const force = setTimeout(() => app.server.closeAllConnections(), 2_000);
        await app.close();
        clearTimeout(force);
      });
      await step('the POS API', async () => posApi?.close());
      await step('the portal runtime', () => runtime.close());
      await step('Mailpit', () => mailpit.stop());
      await step('the database', () => db.drop());
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Posts an event to the portal's webhook endpoint, signed as Stripe signs it: for an event that
 * reaches the portal late (for the first time under a new id, out of order). Answers the outcome.
 */
export async function postSignedEvent(portal: TestPortal, event: object): Promise<unknown> {
  const body = JSON.stringify(event);
  const response = await fetch(`${portal.url}/stripe/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': portal.stripe.signatureHeader(body, portal.config.STRIPE_WEBHOOK_SECRET),
    },
    body,
  });
  return response.json();
}

/** One step of stopping; one still running after 10 s is named on stderr, so a hang says where. */
async function step(name: string, work: () => Promise<unknown>): Promise<void> {
  const slow = setTimeout(
    () => process.stderr.write(`test portal: stopping ${name} takes over 10 s\n`),
    10_000,
  );
  try {
    await work();
  } finally {
    clearTimeout(slow);
  }
}
