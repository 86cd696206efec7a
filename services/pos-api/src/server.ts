// The POS API process: connects to its dependencies, listens, and shuts down gracefully on SIGTERM
// or SIGINT (in-flight requests finish, connections close). Start it with telemetry loaded first:
//   node --import @cloudpos/telemetry/register services/pos-api/src/server.ts
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { readFile } from 'node:fs/promises';
import { createLogger, createMetrics } from '@cloudpos/telemetry';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { saleEventsFromConfig } from './events/index.ts';

const logger = createLogger({ name: 'pos-api' });

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal(error.message);
    process.exit(1);
  }
}

const config = configOrExit();
// One ORM (and pool) for the process: dedicated, the tenant's own role; pooled, every tenant's
// schema through one small pool, each request on a fork bound to its tenant's schema.
const orm = await MikroORM.init(
  tenantOrmConfig({ clientUrl: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX }),
);
const database = orm.em.getConnection();
// Rate-limit counters: without an offline queue a Redis outage fails fast, and the limiter skips it.
const redis = new Redis(config.REDIS_URL, {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  commandTimeout: 500,
  connectionName: 'pos-api',
  // In a cluster the connection is the tenant's ACL user, which may run only what the counters need
  // (limits/counters.ts): not INFO, which ioredis's ready check sends, nor CLIENT SETINFO.
  enableReadyCheck: false,
  disableClientInfo: true,
});
redis.on('error', (error: Error) => logger.warn({ err: { name: error.name } }, 'Redis connection error'));
// The tenant's NATS account, for readiness (dedicated mode). NATS may be down at start: sales must
// still commit (the outbox holds events), so keep trying.
const nats: NatsConnection | undefined =
  config.NATS_URL && config.TENANT_MODE === 'dedicated'
    ? await connect({
        servers: config.NATS_URL,
        name: 'pos-api',
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
        ...(config.NATS_CREDS_FILE
          ? { authenticator: credsAuthenticator(await readFile(config.NATS_CREDS_FILE)) }
          : {}),
      })
    : undefined;

// GET /v1/sales/events reads the tenants' streams back with each tenant's own user.
const saleEvents = saleEventsFromConfig(config, logger);

const app = await buildApp({
  config,
  logger,
  metrics: createMetrics({ service: 'pos-api' }),
  orm,
  redis,
  ...(saleEvents ? { saleEvents } : {}),
  readinessChecks: [
    { name: 'postgres', critical: true, check: async () => void (await database.execute('select 1')) },
    { name: 'redis', critical: false, check: async () => void (await redis.ping()) },
    ...(nats ? [{ name: 'nats', critical: false, check: async () => nats.flush() }] : []),
  ],
});

try {
  await app.listen({ host: config.HOST, port: config.PORT });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  logger.fatal(
    code === 'EADDRINUSE'
      ? `port ${config.PORT} is already in use: set PORT to a free port`
      : (error as Error).message,
  );
  await closeConnections();
  process.exit(1);
}

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const forceExit = setTimeout(() => {
      logger.error('graceful shutdown timed out');
      process.exit(1);
    }, 10_000);
    forceExit.unref();
    app
      .close()
      .then(closeConnections)
      .then(() => logger.info('stopped'))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exitCode = 1;
      });
  });
}

async function closeConnections(): Promise<void> {
  await Promise.allSettled([orm.close(), redis.quit(), nats?.close(), saleEvents?.close()]);
}
