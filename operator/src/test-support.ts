// Helpers for the operator's tests against the real API server of the harness.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { freePort } from '@cloudpos/harness';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from '@cloudpos/harness/vitest/provided';
import { inject } from 'vitest';
import { createPgPool, tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator } from '@nats-io/transport-node';
import pg from 'pg';
import type { PosApi } from '@cloudpos/pos-api';
import { testApp } from '@cloudpos/pos-api/test-support';
import type { Redis } from 'ioredis';
import { stringify } from 'yaml';
import type { TenantDataContext } from './controller/tenant-data.ts';
import type { RedisAdmin } from './provision/redis.ts';
import { crdPath } from './crd.ts';
import type { Tenant } from './generated/tenant.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(inject('kubectlPath'), ['--kubeconfig', inject('kubeconfigPath'), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** kubectl apply of a Tenant manifest (see tenantManifest). */
export async function applyTenant(tenant: Tenant): Promise<void> {
  const result = await kubectl(['apply', '-f', '-'], stringify(tenant));
  if (result.code !== 0) throw new Error(result.stderr);
}

/** Installs (or updates) the Tenant CRD and waits until it is served. */
export async function installTenantCrd(): Promise<void> {
  const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', crdPath]);
  if (applied.code !== 0) throw new Error(`installing the CRD failed: ${applied.stderr}`);
  const established = await kubectl([
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/tenants.cloudpos.io',
  ]);
  if (established.code !== 0) throw new Error(`the CRD was not established: ${established.stderr}`);
}

/** A Tenant as the API server has it now. */
export async function readTenantObject(custom: CustomObjectsApi, name: string): Promise<Tenant> {
  return (await custom.getClusterCustomObject({
    group: 'cloudpos.io',
    version: 'v1alpha1',
    plural: 'tenants',
    name,
  })) as Tenant;
}

/** A Secret's data, decoded; undefined when there is no such Secret. */
export async function readSecretData(
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  const result = await kubectl(['get', 'secret', name, '-n', namespace, '-o', 'json']);
  if (result.code !== 0) return undefined;
  const { data } = JSON.parse(result.stdout) as { data: Record<string, string> };
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  );
}

/**
 * What the tenant's workloads would see with the credentials they are given: the number of stores
 * through its database role, and the EVENTS stream through its NATS user.
 */
export async function useTenantCredentials(credentials: {
  databaseUrl: string;
  natsCreds: string;
}): Promise<{ stores: number; stream: string }> {
  const asTenant = new pg.Client({ connectionString: credentials.databaseUrl });
  await asTenant.connect();
  const stores = (await asTenant.query<{ n: number }>('select count(*)::int as n from store')).rows[0]!.n;
  await asTenant.end();
  const nc = await connect({
    servers: inject('natsOperatorUrl'),
    authenticator: credsAuthenticator(new TextEncoder().encode(credentials.natsCreds)),
  });
  const stream = (await (await jetstreamManager(nc)).streams.info('EVENTS')).config.name;
  await nc.close();
  return { stores, stream };
}

export { PLANS } from './specs/plans.ts';

/** The limits of a tenant's EVENTS stream as its own NATS user sees them (they follow the plan). */
export async function tenantStreamLimits(natsCreds: string): Promise<{ maxBytes: number; maxAgeNs: number }> {
  const nc = await connect({
    servers: inject('natsOperatorUrl'),
    authenticator: credsAuthenticator(new TextEncoder().encode(natsCreds)),
  });
  try {
    const { config } = await (await jetstreamManager(nc)).streams.info('EVENTS');
    return { maxBytes: config.max_bytes, maxAgeNs: config.max_age };
  } finally {
    await nc.close();
  }
}

/** The Redis admin of a cluster reconcile, on the harness's Redis (local mode has none). */
export function testRedisAdmin(): RedisAdmin {
  return { url: inject('redisUrl'), saveAcl: false };
}

/** The database and messaging side of a reconcile, against the harness's PostgreSQL and NATS. */
export async function tenantDataContext(
  databaseUrl: string,
): Promise<TenantDataContext & { close(): Promise<void> }> {
  // As the operator's own pool: an idle connection ended by the server (another file's cleanup, a
  // stopped server) fails the next query that would use it, never the whole test process.
  const postgres = createPgPool({ connectionString: databaseUrl, max: 4 }, () => {});
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: databaseUrl }));
  return {
    postgres,
    databaseUrl,
    orm,
    nats: {
      url: inject('natsOperatorUrl'),
      operatorSeed: inject('natsOperatorSeed'),
      systemUserCreds: inject('natsSystemUserCreds'),
    },
    async close() {
      await orm.close();
      await postgres.end();
    },
  };
}

/** The operator as its own process (`node --import @cloudpos/telemetry/register main.ts`). */
export interface OperatorProcess {
  child: ChildProcess;
  /** Its JSON log lines, as they come. */
  logs: Record<string, unknown>[];
  metricsPort: number;
  exited: Promise<number | null>;
  /** Whether it has logged this message. */
  said(message: string): boolean;
}

/**
 * Starts the operator process with `env` on top of this process's environment (KUBECONFIG,
 * OPERATOR_CONFIG, DATABASE_URL, NATS_*, REDIS_ADMIN_URL, LEASE_NAMESPACE, ...; see main.ts), its
 * metrics on a free port. The caller stops it (SIGTERM, or SIGKILL for a crash). With `staged` (a
 * tree from the harness's stageCompiled), it runs that JavaScript, as the operator's image does,
 * with no type stripper.
 */
export async function startOperatorProcess(
  env: Record<string, string>,
  options: { staged?: string } = {},
): Promise<OperatorProcess> {
  const metricsPort = await freePort();
  const { staged } = options;
  const child = spawn(
    process.execPath,
    staged
      ? [
          '--no-experimental-strip-types',
          '--import',
          join(staged, 'services/telemetry/src/register.js'),
          join(staged, 'operator/src/main.js'),
        ]
      : [
          '--import',
          fileURLToPath(import.meta.resolve('@cloudpos/telemetry/register')),
          fileURLToPath(new URL('./main.ts', import.meta.url)),
        ],
    { env: { ...process.env, METRICS_PORT: String(metricsPort), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, logs, metricsPort, exited, said: (message) => logs.some((line) => line.msg === message) };
}
export { testConfigFor } from './specs/fixtures.ts';

/**
 * The tenant's POS API as its pod runs it: dedicated, with exactly what the operator wrote into the
 * tenant's credentials Secret (no kubelet runs pods here). Returns the app and that Secret's data.
 */
export async function apiAsTheTenantsPod(
  slug: string,
  redis: Redis,
): Promise<{ app: PosApi; secret: Record<string, string> }> {
  const secret = (await readSecretData(`tenant-${slug}`, 'tenant-credentials'))!;
  // The NATS user the pod mounts from the Secret (NATS_CREDS_FILE), on the harness's NATS.
  const natsDir = await mkdtemp(join(tmpdir(), 'cloudpos-pod-nats-'));
  await writeFile(join(natsDir, 'nats.creds'), secret['nats.creds']!, { mode: 0o600 });
  const app = await testApp({
    databaseUrl: secret.DATABASE_URL!,
    redis,
    mode: 'dedicated',
    slug,
    env: {
      AUTH_SECRET: secret.AUTH_SECRET!,
      PIN_PEPPERS: secret.PIN_PEPPERS!,
      DATABASE_SCHEMA: secret.DATABASE_SCHEMA!,
      // Only its own tenant's key, when the operator has the platform's secret.
      PORTAL_TOKEN_SECRET: '',
      ...(secret.PORTAL_TOKEN_KEY ? { PORTAL_TOKEN_KEY: secret.PORTAL_TOKEN_KEY } : {}),
      NATS_URL: inject('natsOperatorUrl'),
      NATS_CREDS_FILE: join(natsDir, 'nats.creds'),
    },
  });
  app.addHook('onClose', async () => rm(natsDir, { recursive: true, force: true }));
  return { app, secret };
}
