// The local platform's engines, for the commands that need them while `npm start` may or may not be
// running: PostgreSQL, NATS (operator mode) and Redis on the local ports and data in .cloudpos/. When a port
// answers, the running instance is used; otherwise it is started here and stopped by `stop()`.
import { createConnection } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import {
  ActionableError,
  natsOperatorIdentity,
  startNats,
  startPostgres,
  startRedis,
  type PostgresServer,
} from '@cloudpos/harness';
import { localSecrets, type LocalSettings } from './settings.ts';

export const LOCAL_DATABASE = 'cloudpos';

export interface LocalEngines {
  databaseUrl: string;
  nats: { url: string; operatorSeed: string; systemUserCreds: string };
  /** The local Redis as its administrator (the operator creates tenant ACL users with it). */
  redisAdminUrl: string;
  /** Stops what this process started (nothing when it used a running `npm start`). */
  stop(): Promise<void>;
}

export const dataDir = (settings: LocalSettings, name: string) => join(settings.home, 'data', name);

export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `redis`: also the local Redis (the operator needs it for tenant ACL users; local tenants do not). */
export async function useLocalEngines(
  settings: LocalSettings,
  options: { redis?: boolean } = {},
): Promise<LocalEngines> {
  const secrets = await localSecrets(settings.home);
  const started: { stop(): Promise<unknown> }[] = [];
  const stop = async () => {
    for (const engine of started.reverse()) await engine.stop();
  };
  try {
    let databaseUrl: string;
    if (await portAnswers(settings.ports.postgres)) {
      databaseUrl = `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${settings.ports.postgres}/${LOCAL_DATABASE}`;
      await checkPostgres(databaseUrl, settings.ports.postgres);
    } else {
      const postgres = await startPostgres({
        dir: dataDir(settings, 'postgres'),
        port: settings.ports.postgres,
        password: secrets.postgresPassword,
        durable: true,
      });
      started.push(postgres);
      await ensureDatabase(postgres, LOCAL_DATABASE);
      databaseUrl = postgres.urlFor(LOCAL_DATABASE);
    }

    const identity = await natsOperatorIdentity(dataDir(settings, 'nats'));
    if (!(await portAnswers(settings.ports.nats))) {
      started.push(
        await startNats({
          dir: dataDir(settings, 'nats'),
          port: settings.ports.nats,
          monitorPort: settings.ports.natsMonitor,
          operatorMode: true,
        }),
      );
    }
    const redisAdminUrl = `redis://default:${encodeURIComponent(secrets.redisPassword)}@127.0.0.1:${settings.ports.redis}`;
    if (options.redis && !(await portAnswers(settings.ports.redis))) {
      started.push(
        await startRedis({
          dir: dataDir(settings, 'redis'),
          port: settings.ports.redis,
          durable: true,
          password: secrets.redisPassword,
        }),
      );
    }
    return {
      databaseUrl,
      redisAdminUrl,
      nats: {
        url: `nats://127.0.0.1:${settings.ports.nats}`,
        operatorSeed: identity.operatorSeed,
        systemUserCreds: identity.systemUserCreds,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function checkPostgres(url: string, port: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new ActionableError(
      `Something answers on 127.0.0.1:${port}, but it is not the local platform's PostgreSQL (${(error as Error).message}).`,
      'stop what uses that port, or point CLOUDPOS_PG_PORT and CLOUDPOS_HOME at the platform you run',
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export async function ensureDatabase(postgres: PostgresServer, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}
