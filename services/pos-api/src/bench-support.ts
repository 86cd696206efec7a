// What the benchmarks that drive a real POS API share: PostgreSQL and Redis of their own (in a
// temporary directory, not durable), one tenant's migrated schema with one store, a pooled API
// listening on a free port (telemetry not loaded, rate limits out of reach), and the tenant's first
// owner set up with the setup code. Benchmarks run as processes of their own (`npm run bench`).
import { generatePassword, startPostgres, startRedis } from '@cloudpos/harness/servers';
import { createLogger, createMetrics } from '@cloudpos/telemetry';
import { migrateTenant, tenantOrmConfig, tenantSchemaName } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp, type PosApi } from './app.ts';
import { tenantSetupCode } from './auth/tokens.ts';
import { loadConfig, type Config } from './config.ts';
import { newPinPepper } from './staff/pin-peppers.ts';

export interface BenchTenant {
  slug: string;
  schema: string;
  storeId: string;
  databaseUrl: string;
  /** A pool on the tenant's database (superuser) for seeding and the raw-SQL ceilings. */
  sql: pg.Pool;
  config: Config;
  app: PosApi;
  /** http://127.0.0.1:<port> */
  base: string;
  port: number;
  /** The first owner (staff code 1000, PIN 1111), signed in by the setup. */
  ownerToken: string;
  /**
   * `split`: PostgreSQL (its postmaster and every process it has started, so every backend) on the
   * last core, and this process (the API, a load generator) with Redis on the others, as a
   * deployment runs the database on machines of its own. `shared`: every core for each. Answers
   * the layout in effect: `postgres:1,api:0` or `shared` (a split needs Linux and two cores).
   */
  useCores(layout: 'split' | 'shared'): string;
  close(): Promise<void>;
}

export interface BenchOptions {
  /** The API's pool (DATABASE_POOL_MAX); a raw-SQL ceiling should use as many connections. */
  databasePoolMax?: number;
}

/** Runs `pid` (all its threads) on `cores` (a taskset CPU list). */
function pin(pid: number, cores: string) {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cores, String(pid)], { stdio: 'ignore' });
}

/** The processes `pid` has started (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false; // ended since
      }
    })
    .map(Number);
}

/** Starts everything; `close` stops it and removes the directory (also on SIGINT/SIGTERM). */
export async function startBenchTenant(
  name: string,
  slug = 'bench',
  options: BenchOptions = {},
): Promise<BenchTenant> {
  const progress = (line: string) => process.stderr.write(`${name} bench: ${line}\n`);
  const root = await mkdtemp(join(tmpdir(), `cloudpos-bench-${name}-`));
  await chmod(root, 0o755); // PostgreSQL runs as its own user when we are root
  const stops: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const stop of stops.splice(0)) await stop().catch(() => {});
    await rm(root, { recursive: true, force: true });
  };
  const interrupted = () => {
    progress('interrupted; stopping what it started');
    void close().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    progress(`starting PostgreSQL and Redis (in ${root})`);
    const postgres = await startPostgres({
      dir: join(root, 'pg'),
      password: generatePassword(),
      durable: false,
    });
    stops.push(() => postgres.stop());
    const redisServer = await startRedis({ dir: join(root, 'redis'), durable: false });
    stops.unshift(() => redisServer.stop());
    const last = availableParallelism() - 1;
    const useCores = (layout: 'split' | 'shared') => {
      if (process.platform !== 'linux' || last === 0) return 'shared';
      const all = `0-${last}`;
      const others = last === 1 ? '0' : `0-${last - 1}`;
      const postmaster = postgres.process.pid!;
      const split = layout === 'split';
      for (const pid of [postmaster, ...childrenOf(postmaster)]) pin(pid, split ? String(last) : all);
      for (const pid of [process.pid, redisServer.process.pid!]) pin(pid, split ? others : all);
      return split ? `postgres:${last},api:${others}` : 'shared';
    };
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('create database cloudpos');
    await admin.end();
    const databaseUrl = postgres.urlFor('cloudpos');
    const schema = tenantSchemaName(slug);
    const sql = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    stops.unshift(() => sql.end());

    const redis = new Redis(redisServer.url, { enableOfflineQueue: false });
    stops.unshift(async () => redis.disconnect());
    const authSecret = generatePassword() + generatePassword();
    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisServer.url,
      AUTH_SECRET: authSecret,
      PIN_PEPPERS: newPinPepper(),
      TENANT_MODE: 'pooled',
      RATE_LIMIT_MAX: '100000000',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_MAX: String(options.databasePoolMax ?? 4),
    });
    const orm = await MikroORM.init(
      tenantOrmConfig({ clientUrl: databaseUrl, poolMax: config.DATABASE_POOL_MAX }),
    );
    stops.unshift(() => orm.close());
    await migrateTenant(orm, schema);
    const { rows } = await sql.query<{ id: string }>(
      `insert into "${schema}".store (id, code, name, timezone, currency)
       values (gen_random_uuid(), 'MAIN', 'Main', 'Europe/Berlin', 'EUR') returning id`,
    );
    const app = await buildApp({
      config,
      logger: createLogger({ name: 'bench', level: 'warn' }),
      metrics: createMetrics({ service: 'pos-api' }),
      readinessChecks: [],
      orm,
      redis,
    });
    stops.unshift(() => app.close());
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const setup = await app.inject({
      method: 'POST',
      url: '/v1/setup',
      headers: { host: `${slug}.localhost` },
      payload: {
        setupCode: tenantSetupCode(authSecret, slug),
        owner: { code: '1000', displayName: 'Owner', pin: '1111' },
        device: { name: 'Till' },
      },
    });
    if (setup.statusCode !== 201) throw new Error(`setup failed: ${setup.statusCode} ${setup.body}`);
    return {
      slug,
      schema,
      storeId: rows[0]!.id,
      databaseUrl,
      sql,
      config,
      app,
      base,
      port: new URL(base).port ? Number(new URL(base).port) : 80,
      ownerToken: setup.json<{ accessToken: string }>().accessToken,
      useCores,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
