// The portal process: configuration checked at boot, the platform schema migrated, then it listens;
// paid tenants whose creation has not gone through are retried every 15 seconds; SIGTERM closes.
import { createLogger } from '@cloudpos/telemetry';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { migratePlatform } from './db/migrate.ts';
import { createRuntime } from './services.ts';

try {
  const config = loadConfig();
  await migratePlatform(config.DATABASE_URL);
  const logger = createLogger({ name: 'portal' });
  const runtime = await createRuntime(config, { logger });
  const app = await buildApp({ runtime, logger });
  app.server.requestTimeout = 30_000;
  await app.listen({ host: config.HOST, port: config.PORT });
  let retrying = runtime.retryPending();
  const timer = setInterval(() => {
    retrying = retrying
      .then(() => runtime.retryPending())
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'retrying pending tenants failed');
      });
  }, 15_000);
  const stop = async () => {
    clearInterval(timer);
    await app.close();
    await retrying.catch(() => {});
    await runtime.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
} catch (error) {
  process.stderr.write(`portal: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
