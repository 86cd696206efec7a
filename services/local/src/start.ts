// `npm start`: the whole platform on this machine with no cluster and no accounts. Real PostgreSQL,
// NATS (JetStream, operator mode: one account per tenant) and Redis keep their data in .cloudpos/
// (it survives restarts); tenants are reconciled by the operator's local mode (the demo tenant on
// every start, others with `npm run tenant`); the POS API runs as its own process with telemetry
// loaded, exactly as in a pod. Ctrl-C stops everything in order.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ActionableError,
  ManagedProcess,
  assertPortFree,
  reportFatal,
  startNats,
  startPostgres,
  startRedis,
  startZipkin,
  type ZipkinServer,
} from '@cloudpos/harness';
import { listLocalTenants } from '@cloudpos/operator/local';
import { tenantSetupCode } from '@cloudpos/pos-api';
import { buildTill } from '@cloudpos/till/build';
import pg from 'pg';
import { cardReaderSetup } from './card-reader.ts';
import { ensureDemoCatalog } from './demo-catalog.ts';
import { DEMO_STAFF, DEMO_TILL, prepareDemoTenant } from './demo-tenant.ts';
import { LOCAL_DATABASE as DATABASE, ensureDatabase } from './infra.ts';
import { localAuthSecret } from './auth-secret.ts';
import { localPortalTokenSecret } from './portal-token-secret.ts';
import { localPinPeppers } from './pin-peppers.ts';
import { PORT_VARIABLES, localSecrets, localSettings } from './settings.ts';
import { openLocalTenants } from './tenants.ts';
import { startPortalStack } from './portal.ts';
import { startScheduledBackups } from './scheduled-backups.ts';
import { Supervisor } from './supervisor.ts';
const say = (line: string) => process.stdout.write(`${line}\n`);

// Every process is kept running (restarted with backoff when it dies) and stopped in order on Ctrl-C.
const supervisor = new Supervisor({ say });
let stopRequested: () => void = () => {};
const stopSignal = new Promise<void>((resolve) => {
  stopRequested = resolve;
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stopRequested());

async function main(): Promise<void> {
  const settings = localSettings();
  for (const [key, [variable, , what]] of Object.entries(PORT_VARIABLES)) {
    if (key === 'traceViewer' && !settings.traceViewer) continue;
    await assertPortFree(settings.ports[key as keyof typeof PORT_VARIABLES], what, variable);
  }
  const secrets = await localSecrets(settings.home);
  const dataDir = (name: string) => join(settings.home, 'data', name);
  const logDir = join(settings.home, 'logs');
  await mkdir(logDir, { recursive: true });

  say(`Starting CloudPOS in local mode (data in ${settings.home})`);
  // The trace viewer's JVM takes a while to start: it does so while the engines come up, and every
  // process started after it sends it their spans.
  const traceViewer = settings.traceViewer
    ? supervisor.keep('trace viewer', () =>
        startZipkin({ dir: dataDir('zipkin'), port: settings.ports.traceViewer }),
      )
    : undefined;
  // Awaited before the first service; a rejection here must not go unhandled meanwhile, and a
  // start that fails elsewhere first still waits for it before stopping everything.
  traceViewerStarting = traceViewer?.catch(() => {});
  const postgres = await supervisor.keep('PostgreSQL', () =>
    startPostgres({
      dir: dataDir('postgres'),
      port: settings.ports.postgres,
      password: secrets.postgresPassword,
      durable: true,
    }).catch((error: unknown) => {
      throw explainStartFailure('PostgreSQL', dataDir('postgres'), error);
    }),
  );
  await ensureDatabase(postgres, DATABASE);
  const databaseUrl = postgres.urlFor(DATABASE);

  const nats = await supervisor.keep('NATS', () =>
    startNats({
      dir: dataDir('nats'),
      port: settings.ports.nats,
      monitorPort: settings.ports.natsMonitor,
      operatorMode: true,
    }).catch((error: unknown) => {
      throw explainStartFailure('NATS', dataDir('nats'), error);
    }),
  );

  const redis = await supervisor.keep('Redis', () =>
    startRedis({
      dir: dataDir('redis'),
      port: settings.ports.redis,
      durable: true,
      password: secrets.redisPassword,
    }).catch((error: unknown) => {
      throw explainStartFailure('Redis', dataDir('redis'), error);
    }),
  );

  const engines = {
    databaseUrl,
    nats: {
      url: nats.url,
      operatorSeed: nats.operator!.operatorSeed,
      systemUserCreds: nats.operator!.systemUserCreds,
    },
    redisAdminUrl: redis.url,
    stop: async () => {},
  };
  const tenants = await openLocalTenants(settings, engines);
  const pinPeppers = await localPinPeppers(settings.home);
  const demo = await prepareDemoTenant(tenants.ctx, pinPeppers).finally(() => tenants.close());
  const authSecret = await localAuthSecret(settings.home);
  const portalTokenSecret = await localPortalTokenSecret(settings.home);
  // The POS API serves the till's static build: rebuilt only when its sources changed.
  const till = await buildTill().catch((error: unknown) => {
    throw new ActionableError(
      `The till could not be built: ${error instanceof Error ? error.message : String(error)}`,
      'run npm run build -w @cloudpos/till to see the whole error',
    );
  });
  if (till.built) say(`Built the till into ${till.dir}`);

  const cardReader = await cardReaderSetup();
  if (cardReader.fake) supervisor.onStop('simulated card reader', () => cardReader.fake!.stop());

  const traces = traceViewer ? await traceViewer : undefined;
  exporterEnv = traces?.exporterEnv ?? {};

  await startService({
    name: 'POS API',
    module: '@cloudpos/pos-api/server',
    logFile: join(logDir, 'pos-api.log'),
    readiness: `http://127.0.0.1:${settings.ports.api}/readyz`,
    env: {
      OTEL_SERVICE_NAME: 'pos-api',
      HOST: '127.0.0.1',
      PORT: String(settings.ports.api),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      // One pooled API serves every local tenant, chosen by <slug>.localhost or the token.
      TENANT_MODE: 'pooled',
      AUTH_SECRET: authSecret,
      PIN_PEPPERS: pinPeppers,
      // The portal's store management acts on tenants with portal tokens (ADR 0015).
      PORTAL_TOKEN_SECRET: portalTokenSecret,
      // GET /v1/sales/events (the portal's live figure) reads each tenant's stream with its own
      // credentials, which local mode keeps in .cloudpos/tenants.
      NATS_URL: nats.url,
      NATS_CREDS_DIR: join(settings.home, 'tenants'),
      // The till's card tender: Stripe's simulated reader without keys (card-reader.ts).
      ...cardReader.env,
    },
  });
  const apiUrl = `http://127.0.0.1:${settings.ports.api}`;
  const demoProducts = await ensureDemoCatalog(settings.ports.api);
  // The worker relays every local tenant's outbox to its NATS account (their credentials are in
  // .cloudpos/tenants); tenants created later are found within seconds. It also sends the receipt
  // e-mails tills ask for, to the Mailpit started with the portal below (until Mailpit is up, the
  // mails wait in the tenant's queue and are retried).
  await startService({
    name: 'worker',
    module: '@cloudpos/worker/main',
    logFile: join(logDir, 'worker.log'),
    readiness: `http://127.0.0.1:${settings.ports.worker}/healthz`,
    env: {
      OTEL_SERVICE_NAME: 'worker',
      TENANT_MODE: 'pooled',
      DATABASE_URL: databaseUrl,
      NATS_URL: nats.url,
      TENANTS_DIR: join(settings.home, 'tenants'),
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: String(settings.ports.worker),
      SMTP_URL: `smtp://127.0.0.1:${settings.ports.mailpitSmtp}`,
    },
  });

  const portal = await startPortalStack({
    settings,
    databaseUrl,
    nats: {
      url: nats.url,
      operatorSeed: nats.operator!.operatorSeed,
      systemUserCreds: nats.operator!.systemUserCreds,
    },
    portalTokenSecret,
    startService,
    logDir,
    keep: (name, start) => supervisor.keep(name, start),
    onStop: (name, stop) => supervisor.onStop(name, stop),
  });

  // Every tenant's schema is backed up on its schedule (its spec.backup, else its plan's).
  const backups = await startScheduledBackups(settings, engines, say);
  supervisor.onStop('scheduled backups', () => backups.stop());

  say('');
  say('CloudPOS is running.');
  say(`  Portal       ${portal.portalUrl}  (sign up, pay, get a tenant; payments: ${portal.stripe})`);
  say(
    `  Mailbox      ${portal.mailpit.url}  (Mailpit: every e-mail the portal and the tills' receipts send; SMTP ${portal.mailpit.smtpUrl})`,
  );
  say(`  POS API      ${apiUrl}  (OpenAPI: ${apiUrl}/docs, metrics: ${apiUrl}/metrics)`);
  say(
    `  PostgreSQL   ${postgres.version} on 127.0.0.1:${postgres.port}, database "${DATABASE}" (password in ${join(settings.home, 'secrets.json')})`,
  );
  say(`  NATS         ${nats.version} with JetStream on ${nats.url} (monitor ${nats.monitorUrl})`);
  say(
    `  Redis        ${redis.version} on ${redis.displayUrl} (password in ${join(settings.home, 'secrets.json')})`,
  );
  say(`  Traces       ${traceViewerLine(traces)}`);
  say(
    `  Worker       outbox relay, receipt e-mails (metrics http://127.0.0.1:${settings.ports.worker}/metrics)`,
  );
  say(`  Demo tenant  ${demo.url} (schema ${demo.schema}: ${demo.phase}, ${demo.stores} store(s))`);
  say(
    `  Demo catalog ${demoProducts} products with German VAT (SKU LATTE, ESPRESSO, CROISSANT, MUG, BEANS-250)`,
  );
  say(
    `  Demo staff   ${DEMO_STAFF.map((member) => `${member.role} ${member.code} PIN ${member.pin}`).join(', ')} (demo only)`,
  );
  say(`  Card reader  ${cardReader.description}`);
  say(`  Demo till    device ${DEMO_TILL.id} secret ${DEMO_TILL.secret} (demo only)`);
  say(
    `  Till app     ${demo.url}/till/  (pair with the demo till's device and secret, then sign in with a PIN)`,
  );
  const others = (await listLocalTenants({ dir: join(settings.home, 'tenants') })).filter(
    (tenant) => tenant.spec.slug !== 'demo',
  );
  const unstaffed = await tenantsWithoutStaff(
    databaseUrl,
    others.flatMap((tenant) => (tenant.status?.schema ? [tenant.status.schema] : [])),
  );
  for (const tenant of others) {
    const setup = unstaffed.has(tenant.status?.schema ?? '')
      ? `, first owner with setup code ${tenantSetupCode(authSecret, tenant.spec.slug)}`
      : '';
    say(
      `  Tenant       ${tenant.status?.url} (schema ${tenant.status?.schema}: ${tenant.status?.phase})${setup}`,
    );
  }
  say('  More tenants npm run tenant -- create <slug>   (see npm run tenant -- --help)');
  say(
    `  Backups      ${join(settings.home, 'backups')}  (each tenant on its plan's schedule or spec.backup; npm run tenant -- backups <slug>)`,
  );
  say(`  Logs         ${logDir} and each service's folder under ${join(settings.home, 'data')}`);
  say('Press Ctrl-C to stop.');
  await stopSignal;
}

/** The tenant schemas that have no staff yet: their first owner needs the setup code. */
async function tenantsWithoutStaff(databaseUrl: string, schemas: string[]): Promise<Set<string>> {
  if (schemas.length === 0) return new Set();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const empty = new Set<string>();
    for (const schema of schemas) {
      const { rows } = await client.query<{ staffed: boolean }>(
        `select exists (select 1 from "${schema}".staff_member) as staffed`,
      );
      if (!rows[0]?.staffed) empty.add(schema);
    }
    return empty;
  } finally {
    await client.end();
  }
}

/** Where every service sends its spans: the trace viewer's, when it runs. */
let exporterEnv: Record<string, string> = {};
let traceViewerStarting: Promise<unknown> | undefined;

function traceViewerLine(traces: ZipkinServer | undefined): string {
  if (!traces)
    return 'trace viewer off (CLOUDPOS_TRACE_VIEWER=off); spans are recorded for log trace ids only';
  return `${traces.url}  (Zipkin: open a sale's trace at ${traces.traceUrl('<trace id>')}; the id is in the POS API's traceresponse header)`;
}

/** A platform process with telemetry loaded, as in a pod; kept running, stopped with the rest on Ctrl-C. */
async function startService(options: {
  name: string;
  module: string;
  logFile: string;
  readiness: string;
  env: Record<string, string>;
}): Promise<ManagedProcess> {
  const child = await supervisor.keep(options.name, async () => {
    const service = new ManagedProcess({
      name: options.name,
      command: process.execPath,
      args: [
        '--import',
        fileURLToPath(import.meta.resolve('@cloudpos/telemetry/register')),
        fileURLToPath(import.meta.resolve(options.module)),
      ],
      logFile: options.logFile,
      env: { ...process.env, ...exporterEnv, ...options.env },
    });
    try {
      await service.waitUntilReady(async () => (await fetch(options.readiness)).ok);
    } catch (error) {
      await service.stop('SIGKILL');
      throw new ActionableError(
        `The ${options.name} did not become ready: ${(error as Error).message.split('\n')[0]}`,
        `read its log: ${service.logFile}`,
      );
    }
    return { process: service, stop: () => service.stop('SIGTERM') };
  });
  return child.process;
}

function explainStartFailure(what: string, dir: string, error: unknown): unknown {
  if (error instanceof ActionableError) return error;
  const message = (error as Error).message;
  const fatal = message
    .split('\n')
    .find((line) => /FATAL|PANIC|error|Error/.test(line) && !line.startsWith(what));
  return new ActionableError(
    `${what} could not start with the data in ${dir}${fatal ? `: ${fatal.trim()}` : '.'}`,
    `its log is in ${dir}. If the data directory is damaged, move it away (mv ${dir} ${dir}.broken); the next start creates a fresh one`,
    { cause: error },
  );
}

try {
  await main();
} catch (error) {
  reportFatal(error);
} finally {
  await traceViewerStarting;
  if (supervisor.size > 0) say('Stopping CloudPOS...');
  await supervisor.stopAll((name, error) =>
    process.stderr.write(`could not stop ${name}: ${error.message}\n`),
  );
  if (process.exitCode !== 1) say('CloudPOS stopped.');
}
