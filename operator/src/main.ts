// The operator process: `node --import @cloudpos/telemetry/register operator/src/main.ts`.
// Configuration: OPERATOR_CONFIG (a JSON file with the OperatorConfig), DATABASE_URL (an admin of
// the default database cluster) and DATABASE_URL_<NAME> for each other cluster (config.ts), NATS_URL, NATS_OPERATOR_SEED, NATS_SYSTEM_CREDS_FILE, REDIS_ADMIN_URL (creates
// each tenant's Redis ACL user; REDIS_ACL_FILE=true to ACL SAVE after changes), and optionally
// PORTAL_TOKEN_SECRET (tenant keys for portal tokens), SMTP_URL (tenant workers send receipt e-mails), LEASE_NAMESPACE, POD_NAME, METRICS_HOST, METRICS_PORT, CONCURRENCY, TENANT_LABEL_SELECTOR (shards), RESYNC_SECONDS,
// WATCHDOG_SECONDS; the cluster from KUBECONFIG or in-cluster.
// Only the leader (a Lease) reconciles; every replica serves /healthz and /metrics.
import { CoordinationV1Api, CustomObjectsApi, KubernetesObjectApi } from '@kubernetes/client-node';
import { createLogger, createMetrics } from '@cloudpos/telemetry';
import { createPgPool, migrateAllTenants, tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { PooledKubeConfig } from './kube/pooled-kubeconfig.ts';
import { openBackupBucket } from './provision/backup-bucket.ts';
import { openSystemConnection } from './provision/nats.ts';
import { openRedisAdmin } from './provision/redis.ts';
import {
  defaultDatabaseClusterOf,
  loadDatabaseClusters,
  loadRedisAdmin,
  loadSmtpUrl,
  OPERATOR_LEASE,
  OperatorConfigError,
  type OperatorConfig,
} from './config.ts';
import type { DatabaseClusterConnection, DatabaseClusters } from './controller/placement.ts';
import { LeaderElector } from './controller/leader.ts';
import { createManager, managerMetrics, type Manager } from './controller/manager.ts';
import { startWatches, type Watches } from './controller/watch.ts';

const logger = createLogger({ name: 'cloudpos-operator' });

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    logger.fatal(`${name} is not set`);
    process.exit(1);
  }
  return value;
}

function seconds(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) {
    logger.fatal(`${name} must be a positive number of seconds`);
    process.exit(1);
  }
  return value;
}

const config = JSON.parse(readFileSync(required('OPERATOR_CONFIG'), 'utf8')) as OperatorConfig;
// Every database cluster tenants are placed on, with its admin URL (ADR 0022).
const clusterAccess = (() => {
  try {
    return loadDatabaseClusters(config);
  } catch (error) {
    if (!(error instanceof OperatorConfigError)) throw error;
    logger.fatal(error.message);
    process.exit(1);
  }
})();
const nats = {
  url: required('NATS_URL'),
  operatorSeed: required('NATS_OPERATOR_SEED'),
  systemUserCreds: readFileSync(required('NATS_SYSTEM_CREDS_FILE'), 'utf8'),
};
const redis = (() => {
  try {
    // One connection for every reconcile (as for NATS below), not one per tenant per pass.
    return openRedisAdmin(loadRedisAdmin(), (error) =>
      logger.warn({ err: error }, 'Redis admin connection failed; retrying'),
    );
  } catch (error) {
    if (!(error instanceof OperatorConfigError)) throw error;
    logger.fatal(error.message);
    process.exit(1);
  }
})();
const identity = process.env.POD_NAME ?? `${hostname()}-${process.pid}`;
// Optional: the platform's PORTAL_TOKEN_SECRET (the portal's too), from which each tenant's API gets
// its own portal-token key (ADR 0015); without it tenants refuse portal tokens.
const portalTokenSecret = process.env.PORTAL_TOKEN_SECRET || undefined;
if (portalTokenSecret !== undefined && portalTokenSecret.length < 32) {
  logger.fatal('PORTAL_TOKEN_SECRET must be at least 32 characters');
  process.exit(1);
}
// Optional: the SMTP relay tenant workers send receipt e-mails through (config.ts loadSmtpUrl).
const smtpUrl = (() => {
  try {
    return loadSmtpUrl();
  } catch (error) {
    if (!(error instanceof OperatorConfigError)) throw error;
    logger.fatal(error.message);
    process.exit(1);
  }
})();
if (smtpUrl && !config.egress.smtp)
  logger.warn(
    "SMTP_URL is set but the config has no egress.smtp: tenant NetworkPolicies block the workers' mail",
  );
if (!smtpUrl) logger.info('SMTP_URL is not set: tenant workers send no receipt e-mails (they stay queued)');

// One connection pool for every API client (client-node would open a connection per request).
const kc = new PooledKubeConfig();
kc.loadFromDefault();
// A restart of PostgreSQL fails the reconciles in flight (retried with backoff), never the process.
const concurrency = Number(process.env.CONCURRENCY ?? 4);
const clusters: DatabaseClusterConnection[] = await Promise.all(
  clusterAccess.map(async ({ name, adminUrl }) => ({
    name,
    databaseUrl: adminUrl,
    // A connection for each reconcile that can run at once: they never wait for one another's turn.
    postgres: createPgPool({ connectionString: adminUrl, max: concurrency }, (error, where) =>
      logger.warn({ err: error, where, cluster: name }, 'Postgres connection lost'),
    ),
    orm: await MikroORM.init(tenantOrmConfig({ clientUrl: adminUrl, poolMax: 4 })),
  })),
);
const databases: DatabaseClusters = {
  clusters,
  defaultCluster: defaultDatabaseClusterOf(config),
  rule: config.placement ?? 'Default',
};
const defaultCluster = clusters.find((cluster) => cluster.name === databases.defaultCluster)!;
const telemetryMetrics = createMetrics({ service: 'cloudpos-operator' });
const metrics = managerMetrics(telemetryMetrics.registry);
const ctx = {
  config,
  objects: KubernetesObjectApi.makeApiClient(kc),
  custom: kc.makeApiClient(CustomObjectsApi),
  postgres: defaultCluster.postgres,
  databaseUrl: defaultCluster.databaseUrl,
  orm: defaultCluster.orm,
  databases,
  nats: { ...nats, system: openSystemConnection(nats) },
  redis,
  rolesSet: new Map<string, string>(),
  now: () => new Date(),
  ...(portalTokenSecret ? { portalTokenSecret } : {}),
  ...(smtpUrl ? { smtpUrl } : {}),
  // Copies of every scheduled backup; the keys come from the AWS SDK's environment (a Secret).
  ...(config.backupBucket ? { bucket: openBackupBucket(config.backupBucket) } : {}),
};

let manager: Manager | undefined;
let watches: Watches | undefined;

async function lead(): Promise<void> {
  // Pending migrations fan out to every tenant of every cluster before new work starts.
  for (const cluster of clusters) {
    const migrated = await migrateAllTenants(cluster.orm, { concurrency: 4 });
    for (const failure of migrated.failed)
      logger.error(
        { err: failure.error, schema: failure.schema, cluster: cluster.name },
        'tenant migration failed',
      );
  }
  manager = createManager({
    // Reconciles read owned objects from the watches' caches (they exist before any worker runs).
    ctx: { ...ctx, cached: (ref) => watches?.cached(ref) },
    metrics,
    logger,
    concurrency,
    traceparentOf: (name) => watches?.traceparentOf(name),
  });
  watches = await startWatches({
    kc,
    custom: ctx.custom,
    objects: ctx.objects,
    queue: manager.queue,
    logger,
    resyncEveryMs: seconds('RESYNC_SECONDS', 300) * 1000,
    watchdogEveryMs: seconds('WATCHDOG_SECONDS', 60) * 1000,
    onRestart: (watch, reason) => metrics.watchRestarts.inc({ watch, reason }),
    ...(process.env.TENANT_LABEL_SELECTOR ? { labelSelector: process.env.TENANT_LABEL_SELECTOR } : {}),
  });
  // Workers start once the caches exist: a reconcile reads its Tenant's traceparent from them.
  manager.start();
}

async function follow(): Promise<void> {
  await watches?.stop();
  await manager?.stop();
  watches = undefined;
  manager = undefined;
}

const elector = new LeaderElector({
  coordination: kc.makeApiClient(CoordinationV1Api),
  namespace: process.env.LEASE_NAMESPACE ?? OPERATOR_LEASE.namespace,
  name: OPERATOR_LEASE.name,
  identity,
  leaseDurationSeconds: Number(process.env.LEASE_DURATION_SECONDS ?? 15),
  retryPeriodMs: 2000,
  logger,
  onStartedLeading: () =>
    void lead().catch((error: unknown) => logger.error({ err: error }, 'could not start leading')),
  onStoppedLeading: () => void follow(),
});
elector.start();

const server = createServer((request, response) => {
  if (request.url === '/metrics') {
    telemetryMetrics.registry
      .metrics()
      .then((body) =>
        response.writeHead(200, { 'content-type': telemetryMetrics.registry.contentType }).end(body),
      )
      .catch(() => response.writeHead(500).end());
    return;
  }
  if (request.url === '/healthz') {
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: 'ok', leader: elector.isLeader }));
    return;
  }
  response.writeHead(404).end();
});
// In a pod the kubelet's probes and Prometheus come from outside: listen on every address there.
server.listen(Number(process.env.METRICS_PORT ?? 9090), process.env.METRICS_HOST ?? '0.0.0.0', () => {
  logger.info({ identity, address: server.address() }, 'operator started');
});

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // Ctrl-C reaches every process of the terminal's group, and a launcher may pass it on too.
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      await follow();
      await elector.stop();
      server.close();
      for (const cluster of clusters) {
        await cluster.orm.close();
        await cluster.postgres.end();
      }
      await ctx.nats.system.close();
      ctx.redis.client?.disconnect();
      logger.info('stopped');
      process.exit(0);
    })();
  });
}
