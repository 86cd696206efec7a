// The worker process: `node --import @cloudpos/telemetry/register services/worker/src/main.ts`.
// Dedicated (in a tenant's namespace): DATABASE_URL (the tenant's role), DATABASE_SCHEMA or
// TENANT_SLUG, NATS_URL and NATS_CREDS_FILE (the tenant's NATS user; optional for a NATS without
// accounts). Pooled (`TENANT_MODE=pooled`,
// `npm start`): DATABASE_URL, NATS_URL and TENANTS_DIR, the local tenants' folder, where each
// `<slug>.nats.creds` is a tenant to relay for (looked for again every 10 seconds).
// With SMTP_URL (smtp:// or smtps://) it also sends each tenant's queued receipt e-mails, from
// MAIL_FROM ("CloudPOS receipts <receipts@cloudpos.localhost>" by default); without it they wait.
// In a cluster the operator passes both when it has SMTP_URL itself (operator/src/specs/workloads.ts).
// Serves /healthz and /metrics on METRICS_PORT (9090). /healthz is 503 while a tenant's relay has not
// finished a pass for WORKER_STALL_SECONDS (120): a wedged relay fails the liveness probe.
import { jetstream } from '@nats-io/jetstream';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { createLogger, createMetrics } from '@cloudpos/telemetry';
import { createPgPool, tenantSchemaName } from '@cloudpos/tenant-db';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { receiptMailMetrics, smtpTransport, startMailSender, type MailSender } from './receipt-mail.ts';
import { relayMetrics, startRelay, type Relay } from './relay.ts';

const logger = createLogger({ name: 'worker' });

function setting(name: string): string {
  const value = process.env[name];
  if (!value) {
    logger.fatal(`${name} is not set`);
    process.exit(1);
  }
  return value;
}

const pooled = process.env.TENANT_MODE === 'pooled';
const databaseUrl = setting('DATABASE_URL');
const natsUrl = setting('NATS_URL');
const telemetry = createMetrics({ service: 'worker' });
const metrics = relayMetrics(telemetry.registry);
const mailMetrics = receiptMailMetrics(telemetry.registry);
const smtpUrl = process.env.SMTP_URL;
if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) {
  logger.fatal('SMTP_URL must be an smtp:// or smtps:// URL');
  process.exit(1);
}
// One SMTP transport for every tenant's receipts (nodemailer connects per message).
const transport = smtpUrl
  ? smtpTransport(smtpUrl, process.env.MAIL_FROM ?? 'CloudPOS receipts <receipts@cloudpos.localhost>')
  : undefined;
if (!transport) logger.warn('SMTP_URL is not set: receipt e-mails stay queued until a worker has it');
const pool = createPgPool({ connectionString: databaseUrl, max: pooled ? 4 : 2 }, (error, where) =>
  logger.warn({ err: error, where }, 'Postgres connection lost'),
);

interface TenantRelay {
  relay: Relay;
  nc: NatsConnection;
}
const relays = new Map<string, TenantRelay>();
/** Receipt mail needs only the database and SMTP: it starts before (and whatever) NATS does. */
const mailSenders = new Map<string, MailSender>();

async function relayFor(slug: string, schema: string, creds: Uint8Array | undefined): Promise<void> {
  if (transport && !mailSenders.has(slug))
    mailSenders.set(
      slug,
      startMailSender({ tenant: slug, schema, pool, transport }, { logger, metrics: mailMetrics }),
    );
  // NATS may be down: the connection keeps trying and the relay waits; sales keep committing.
  const nc = await connect({
    servers: natsUrl,
    name: `worker:${slug}`,
    ...(creds ? { authenticator: credsAuthenticator(creds) } : {}),
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
  });
  const relay = startRelay({ tenant: slug, schema, pool, js: jetstream(nc) }, { logger, metrics });
  relays.set(slug, { relay, nc });
  logger.info({ tenant: slug, schema }, 'relaying the outbox');
}

async function discoverLocalTenants(dir: string): Promise<void> {
  const files = await readdir(dir).catch(() => [] as string[]);
  for (const file of files.filter((name) => name.endsWith('.nats.creds'))) {
    const slug = file.slice(0, -'.nats.creds'.length);
    if (relays.has(slug)) continue;
    relayFor(slug, tenantSchemaName(slug), await readFile(join(dir, file))).catch((error: unknown) =>
      logger.error({ err: error, tenant: slug }, 'could not start relaying'),
    );
  }
}

let discovery: NodeJS.Timeout | undefined;
if (pooled) {
  const dir = setting('TENANTS_DIR');
  await discoverLocalTenants(dir);
  discovery = setInterval(() => void discoverLocalTenants(dir), 10_000);
} else {
  const slug = process.env.TENANT_SLUG ?? '';
  const schema = process.env.DATABASE_SCHEMA ?? tenantSchemaName(setting('TENANT_SLUG'));
  // Without NATS_CREDS_FILE the connection is anonymous (a NATS without accounts, in tests).
  const credsFile = process.env.NATS_CREDS_FILE;
  void relayFor(slug || schema, schema, credsFile ? await readFile(credsFile) : undefined);
}

const stallMs = Number(process.env.WORKER_STALL_SECONDS ?? 120) * 1000;
/** The tenants whose relay has not finished a pass for longer than stallMs. */
const stalledRelays = (now: number) =>
  [...relays].filter(([, { relay }]) => now - relay.lastPassAt() > stallMs).map(([slug]) => slug);

const server = createServer((request, response) => {
  if (request.url === '/metrics') {
    telemetry.registry
      .metrics()
      .then((body) => response.writeHead(200, { 'content-type': telemetry.registry.contentType }).end(body))
      .catch(() => response.writeHead(500).end());
    return;
  }
  if (request.url === '/healthz') {
    const stalled = stalledRelays(Date.now());
    response
      .writeHead(stalled.length > 0 ? 503 : 200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify(
          stalled.length > 0
            ? { status: 'stalled', tenants: relays.size, stalled }
            : { status: 'ok', tenants: relays.size },
        ),
      );
    return;
  }
  response.writeHead(404).end();
});
server.listen(Number(process.env.METRICS_PORT ?? 9090), process.env.METRICS_HOST ?? '0.0.0.0', () =>
  logger.info({ address: server.address(), pooled }, 'worker started'),
);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      clearInterval(discovery);
      for (const sender of mailSenders.values()) await sender.stop();
      for (const { relay, nc } of relays.values()) {
        await relay.stop();
        await nc.drain().catch(() => {});
      }
      server.close();
      transport?.close();
      await pool.end();
      logger.info('stopped');
      process.exit(0);
    })();
  });
}
