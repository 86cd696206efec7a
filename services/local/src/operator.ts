// `npm run operator`: the Tenant operator against the current kubeconfig (KUBECONFIG, else
// ~/.kube/config). With DATABASE_URL, NATS_URL, NATS_OPERATOR_SEED, NATS_SYSTEM_CREDS_FILE,
// REDIS_ADMIN_URL and OPERATOR_CONFIG all set it runs with exactly those; with none of them it uses
// the local platform's PostgreSQL, NATS and Redis (a running `npm start`'s, or started here and
// stopped on exit) and a local operator configuration in .cloudpos/operator/, and creates the
// leader-election Lease's namespace when the cluster lacks it (a fresh `npm run cluster:up`).
// Anything in between is a mistake, and said so.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { ActionableError, reportFatal } from '@cloudpos/harness';
import { OPERATOR_LEASE, type OperatorConfig } from '@cloudpos/operator/config';
import { withBackupTools } from './backup-tools.ts';
import { useLocalEngines, type LocalEngines } from './infra.ts';
import { ensureLeaseNamespace } from './lease-namespace.ts';
import { localSettings, type LocalSettings } from './settings.ts';

const ENDPOINT_VARIABLES = [
  'OPERATOR_CONFIG',
  'DATABASE_URL',
  'NATS_URL',
  'NATS_OPERATOR_SEED',
  'NATS_SYSTEM_CREDS_FILE',
  'REDIS_ADMIN_URL',
] as const;

/** Where tenant workloads would reach the local engines (meaningful on a kind cluster on this machine). */
export function localOperatorConfig(settings: LocalSettings, engines: LocalEngines): OperatorConfig {
  const database = new URL(engines.databaseUrl);
  return {
    image: 'cloudpos/pos:dev',
    imagePullPolicy: 'IfNotPresent',
    baseDomain: 'localtest.me',
    ingressClassName: 'nginx',
    clusterIssuer: 'selfsigned',
    ingressNamespace: 'ingress-nginx',
    egress: {
      dns: { name: 'dns', port: 53, namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
      postgres: { name: 'postgres', port: settings.ports.postgres, cidr: '127.0.0.1/32' },
      nats: { name: 'nats', port: settings.ports.nats, cidr: '127.0.0.1/32' },
      redis: { name: 'redis', port: settings.ports.redis, cidr: '127.0.0.1/32' },
      otelCollector: { name: 'otel', port: 4318, cidr: '127.0.0.1/32' },
    },
    backupDir: join(settings.home, 'backups'),
    endpoints: {
      postgresHost: database.hostname,
      postgresPort: Number(database.port),
      postgresDatabase: database.pathname.slice(1),
      natsUrl: engines.nats.url,
      redisUrl: `redis://127.0.0.1:${settings.ports.redis}`,
    },
  };
}

async function main(): Promise<number> {
  const given = ENDPOINT_VARIABLES.filter((name) => process.env[name]);
  if (given.length > 0 && given.length < ENDPOINT_VARIABLES.length) {
    const missing = ENDPOINT_VARIABLES.filter((name) => !process.env[name]);
    throw new ActionableError(
      `${given.join(', ')} ${given.length === 1 ? 'is' : 'are'} set, but not ${missing.join(', ')}.`,
      'set all of them to run against your own infrastructure, or none to use the local platform',
    );
  }
  // Every deletion policy works on the default engine: BackupThenDelete needs a pg_dump of its major.
  let env = await withBackupTools(process.env);
  let engines: LocalEngines | undefined;
  if (given.length === 0) {
    const settings = localSettings();
    const kc = new KubeConfig();
    kc.loadFromDefault();
    const leaseNamespace = process.env.LEASE_NAMESPACE ?? OPERATOR_LEASE.namespace;
    if ((await ensureLeaseNamespace(kc, leaseNamespace)) === 'created')
      process.stderr.write(
        `operator: created the namespace ${leaseNamespace} for its leader-election Lease\n`,
      );
    engines = await useLocalEngines(settings, { redis: true });
    const dir = join(settings.home, 'operator');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'config.json'),
      `${JSON.stringify(localOperatorConfig(settings, engines), null, 2)}\n`,
    );
    await writeFile(join(dir, 'system.creds'), engines.nats.systemUserCreds, { mode: 0o600 });
    env = {
      ...env,
      OPERATOR_CONFIG: join(dir, 'config.json'),
      DATABASE_URL: engines.databaseUrl,
      NATS_URL: engines.nats.url,
      NATS_OPERATOR_SEED: engines.nats.operatorSeed,
      NATS_SYSTEM_CREDS_FILE: join(dir, 'system.creds'),
      REDIS_ADMIN_URL: engines.redisAdminUrl,
      OTEL_SERVICE_NAME: process.env.OTEL_SERVICE_NAME ?? 'cloudpos-operator',
      METRICS_HOST: process.env.METRICS_HOST ?? '127.0.0.1',
    };
    process.stderr.write(
      `operator: using the local platform's PostgreSQL, NATS (${engines.nats.url}) and Redis; configuration in ${dir}\n`,
    );
  }

  const child = spawn(
    process.execPath,
    [
      '--import',
      fileURLToPath(import.meta.resolve('@cloudpos/telemetry/register')),
      fileURLToPath(import.meta.resolve('@cloudpos/operator/main')),
    ],
    { env, stdio: 'inherit' },
  );
  // Passed on (the operator ignores a second signal while it shuts down).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  await engines?.stop();
  return code ?? (signal ? 1 : 0);
}

try {
  process.exitCode = await main();
} catch (error) {
  reportFatal(error);
}
