// The operator as processes: two replicas, one Lease. Only the leader reconciles; when it is killed
// the standby takes over and converges; reconciles are traced (continuing a Tenant's traceparent)
// and counted in /metrics.
import {
  CLIENT_NODE,
  createTestDatabase,
  eventually,
  OtlpReceiver,
  stageCompiled,
  type TestDatabase,
} from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantManifest, testConfigFor } from './specs/fixtures.ts';
import {
  applyTenant as applyManifest,
  installTenantCrd,
  kubectl,
  readSecretData,
  startOperatorProcess,
  useTenantCredentials,
  type OperatorProcess,
} from './test-support.ts';

let db: TestDatabase;
let dir: string;
const receiver = new OtlpReceiver();
const processes: OperatorProcess[] = [];

beforeAll(async () => {
  await installTenantCrd();
  await receiver.start();
  db = await createTestDatabase(inject('postgresUrl'), 'operator');
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-operator-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(testConfigFor(db.url)));
  await writeFile(join(dir, 'system.creds'), inject('natsSystemUserCreds'));

  // The operator runs as its own ServiceAccount with exactly the RBAC of the Helm chart.
  const chart = fileURLToPath(new URL('../../charts/cloudpos', import.meta.url));
  const values = `--values=${chart}/ci/default-values.yaml`;
  const rendered = spawnSync(
    inject('helmPath'),
    ['template', 'cloudpos', chart, values, '-n', 'cloudpos-system', '--show-only=templates/rbac.yaml'],
    { encoding: 'utf8' },
  );
  if (rendered.status !== 0) throw new Error(rendered.stderr);
  const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: cloudpos-system }\n---\n';
  const rbac = await kubectl(['apply', '-f', '-'], namespace + rendered.stdout);
  if (rbac.code !== 0) throw new Error(rbac.stderr);
  const token = await kubectl([
    'create',
    'token',
    'cloudpos-operator',
    '-n',
    'cloudpos-system',
    '--duration=2h',
  ]);
  if (token.code !== 0) throw new Error(token.stderr);
  const admin = JSON.parse(await readFile(inject('kubeconfigPath'), 'utf8')) as {
    clusters: { name: string; cluster: Record<string, string> }[];
  };
  await writeFile(
    join(dir, 'operator.kubeconfig'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: admin.clusters,
      users: [{ name: 'cloudpos-operator', user: { token: token.stdout.trim() } }],
      contexts: [
        { name: 'operator', context: { cluster: admin.clusters[0]!.name, user: 'cloudpos-operator' } },
      ],
      'current-context': 'operator',
    }),
  );
});

afterAll(async () => {
  for (const operator of processes) operator.child.kill('SIGKILL');
  await receiver.stop();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

function startOperator(
  name: string,
  env: Record<string, string> = {},
  options: { staged?: string } = {},
): Promise<OperatorProcess> {
  return startOperatorProcess(
    {
      KUBECONFIG: join(dir, 'operator.kubeconfig'),
      OPERATOR_CONFIG: join(dir, 'config.json'),
      DATABASE_URL: db.url,
      NATS_URL: inject('natsOperatorUrl'),
      NATS_OPERATOR_SEED: inject('natsOperatorSeed'),
      NATS_SYSTEM_CREDS_FILE: join(dir, 'system.creds'),
      REDIS_ADMIN_URL: inject('redisUrl'),
      LEASE_NAMESPACE: 'cloudpos-system',
      LEASE_DURATION_SECONDS: '3',
      POD_NAME: name,
      // Other test files share this API server: this operator takes only its own Tenants.
      TENANT_LABEL_SELECTOR: 'cloudpos.io/shard=operator-process-test',
      OTEL_SERVICE_NAME: 'cloudpos-operator',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      ...env,
    },
    options,
  ).then((operator) => {
    processes.push(operator);
    return operator;
  });
}

const applyTenant = (slug: string, annotations: Record<string, string> = {}) =>
  applyManifest(
    tenantManifest(slug, {}, { annotations, labels: { 'cloudpos.io/shard': 'operator-process-test' } }),
  );

const isReady = async (slug: string) => {
  const result = await kubectl(['get', 'tenant', slug, '-o', 'jsonpath={.status.phase}']);
  return result.stdout === 'Ready' ? true : undefined;
};
describe('the operator process', () => {
  it('refuses to start with an SMTP_URL that is not smtp:// or smtps://, naming it without its password', async () => {
    const operator = await startOperator('bad-smtp', { SMTP_URL: 'https://relay:s3cret@smtp.example.com' });
    expect(await operator.exited).toBe(1);
    // Its last lines may arrive through the pipe after the exit.
    const fatal = await eventually('the fatal log line', () =>
      operator.logs.find((line) => line.level === 'fatal'),
    );
    expect(fatal.msg).toBe('SMTP_URL is invalid (smtp:// or smtps://user:password@host:port)');
    expect(JSON.stringify(operator.logs)).not.toContain('s3cret');
  });

  it('elects one leader among two replicas, which alone reconciles, and a standby takes over after a crash', async () => {
    const first = await startOperator('replica-1');
    const second = await startOperator('replica-2');
    const leader = await eventually('a leader', () =>
      [first, second].find((operator) => operator.said('became leader')),
    );
    const standby = leader === first ? second : first;

    await applyTenant('proc-shop');
    await eventually('proc-shop to be Ready', () => isReady('proc-shop'));
    // The status is written before the log line says so, and the line arrives through a pipe.
    await eventually('the leader to say it reconciled', () => leader.said('reconciled') || undefined, 10_000);
    expect(standby.said('reconciled')).toBe(false);
    expect(standby.said('became leader')).toBe(false);

    const scrape = await (await fetch(`http://127.0.0.1:${leader.metricsPort}/metrics`)).text();
    // One sample by name and labels, whatever order prom-client writes the labels in.
    const sample = (name: string, labels: string) => {
      const wanted = labels.split(',').sort().join(',');
      for (const line of scrape.split('\n')) {
        const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
        if (match?.[1] === name && match[2]!.split(',').sort().join(',') === wanted) return Number(match[3]);
      }
      return Number.NaN;
    };
    expect(
      sample(
        'controller_runtime_reconcile_total',
        'controller="tenant",result="success",service="cloudpos-operator"',
      ),
    ).toBeGreaterThan(0);
    expect(
      sample(
        'controller_runtime_reconcile_time_seconds_count',
        'controller="tenant",service="cloudpos-operator"',
      ),
    ).toBeGreaterThan(0);
    expect(sample('workqueue_depth', 'name="tenant",service="cloudpos-operator"')).toBe(0);
    expect(sample('cloudpos_tenants', 'phase="Ready",service="cloudpos-operator"')).toBe(1);

    leader.child.kill('SIGKILL');
    await leader.exited;
    await eventually('the standby to lead', () => standby.said('became leader'), 30_000);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await applyTenant('proc-shop-2', { 'cloudpos.io/traceparent': `00-${traceId}-b7ad6b7169203331-01` });
    await eventually('proc-shop-2 to be Ready', () => isReady('proc-shop-2'));
    expect(await isReady('proc-shop')).toBe(true);

    // The reconcile of a Tenant that carries a traceparent continues that trace.
    const span = await receiver.waitForSpan(
      (candidate) =>
        candidate.name === 'reconcile Tenant' && candidate.attributes['cloudpos.tenant'] === 'proc-shop-2',
    );
    expect(span.traceId).toBe(traceId);
    expect(span.serviceName).toBe('cloudpos-operator');

    // All of that ran as the operator's ServiceAccount, which holds no more than it needs.
    const as = ['--as=system:serviceaccount:cloudpos-system:cloudpos-operator'];
    expect(
      (
        await kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'tenant-proc-shop', ...as])
      ).stdout.trim(),
    ).toBe('yes');
    expect(
      (await kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'tenant-proc-shop', ...as])).stdout.trim(),
    ).toBe('no');
    expect((await kubectl(['auth', 'can-i', 'create', 'clusterroles', ...as])).stdout.trim()).toBe('no');
    expect((await kubectl(['auth', 'can-i', 'create', 'leases', '-n', 'default', ...as])).stdout.trim()).toBe(
      'no',
    );

    standby.child.kill('SIGTERM');
    expect(await standby.exited).toBe(0);
  });

  it('converges after being killed at successive points of a reconcile, with the identity it first stored', async () => {
    const admin = new pg.Pool({ connectionString: db.url, max: 1 });
    // Polled through the API directly (a kubectl process per poll is too slow to land mid-reconcile).
    const kc = new KubeConfig();
    kc.loadFromFile(inject('kubeconfigPath'));
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const exists = async (kind: string, apiVersion: string, name: string, namespace?: string) =>
      objects.read({ apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } }).then(
        () => true as const,
        () => undefined,
      );
    const roleExists = async () =>
      (await admin.query(`select 1 from pg_roles where rolname = 'tenant_crash_shop'`)).rowCount === 1
        ? true
        : undefined;
    // Each replica is killed (no shutdown of any kind) as soon as its reconcile reached one step.
    const killPoints: [string, () => Promise<true | undefined>][] = [
      ['the namespace exists', () => exists('Namespace', 'v1', 'tenant-crash-shop')],
      ['the database role exists', roleExists],
      ['the workloads are applied', () => exists('Deployment', 'apps/v1', 'worker', 'tenant-crash-shop')],
    ];
    await applyTenant('crash-shop');
    let identity: Record<string, string> | undefined;
    for (const [index, [step, reached]] of killPoints.entries()) {
      const operator = await startOperator(`crash-${index}`);
      await eventually(step, reached, 60_000, 20);
      operator.child.kill('SIGKILL');
      await operator.exited;
      expect(await isReady('crash-shop'), `not Ready yet when killed after: ${step}`).toBeUndefined();
      const stored = await readSecretData('tenant-crash-shop', 'tenant-identity');
      // Secrets are stored before anything uses them: once the role exists, so does its password.
      if (index > 0) expect(stored, `the identity Secret exists once ${step}`).toBeDefined();
      if (stored) {
        identity ??= stored;
        expect(stored, 'the identity is never generated twice').toEqual(identity);
      }
    }
    const last = await startOperator('crash-final');
    await eventually('crash-shop to be Ready', () => isReady('crash-shop'), 90_000);

    // One identity from the first reconcile to the last, and the credentials built from it work.
    expect(await readSecretData('tenant-crash-shop', 'tenant-identity')).toEqual(identity);
    const credentials = (await readSecretData('tenant-crash-shop', 'tenant-credentials'))!;
    expect(
      await useTenantCredentials({
        databaseUrl: credentials.DATABASE_URL!,
        natsCreds: credentials['nats.creds']!,
      }),
    ).toEqual({ stores: 0, stream: 'EVENTS' });
    await admin.end();
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
  });

  it('runs as its image holds it (JavaScript, client-node bundled to the names it imports): it leads and reconciles', async () => {
    const staged = join(dir, 'staged');
    await stageCompiled(fileURLToPath(new URL('../..', import.meta.url)), staged, 'operator');
    const bundled = JSON.parse(
      await readFile(join(staged, 'node_modules', CLIENT_NODE, 'package.json'), 'utf8'),
    ) as { cloudpos?: { bundled: string[] } };
    expect(bundled.cloudpos?.bundled).toEqual(expect.arrayContaining(['KubeConfig', 'makeInformer']));
    const operator = await startOperator('compiled', {}, { staged });
    await eventually('the compiled operator to lead', () => operator.said('became leader'), 60_000);
    await applyTenant('compiled-shop');
    await eventually('compiled-shop to be Ready', () => isReady('compiled-shop'), 90_000);
    await eventually('it to say it reconciled', () => operator.said('reconciled') || undefined, 10_000);
    operator.child.kill('SIGTERM');
    expect(await operator.exited).toBe(0);
  });
});
