// The portal's part of the Helm chart against the real API server: off by default, rendered with
// the values it needs, accepted by a server-side dry run under restricted Pod Security, and an
// identity that can create, get, patch and watch Tenants and do nothing else.
import { eventually } from '@cloudpos/harness';
import { installTenantCrd, kubectl } from '@cloudpos/operator/test-support';
import { KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { kubernetesProvisioner } from './tenants/kubernetes-provisioner.ts';
import { tenantManifest } from './tenants/manifest.ts';

const chartDir = resolve(import.meta.dirname, '..', '..', 'charts', 'cloudpos');
const namespace = `portal-chart-${Math.random().toString(36).slice(2, 8)}`;
let helmHome: string;

interface KubeObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

beforeAll(async () => {
  helmHome = await mkdtemp(join(tmpdir(), 'cloudpos-helm-'));
  await installTenantCrd();
});
afterAll(async () => {
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  await rm(helmHome, { recursive: true, force: true });
});

function helmTemplate(
  values: string[],
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      inject('helmPath'),
      [
        'template',
        'cloudpos',
        chartDir,
        '--namespace',
        namespace,
        '-f',
        join(chartDir, 'ci', 'default-values.yaml'),
        ...values.flatMap((value) => ['--set', value]),
        ...extra,
      ],
      {
        env: {
          ...process.env,
          HELM_CACHE_HOME: join(helmHome, 'c'),
          HELM_CONFIG_HOME: join(helmHome, 'f'),
          HELM_DATA_HOME: join(helmHome, 'd'),
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

const portalValues = [
  'portal.enabled=true',
  'portal.host=portal.pos.example.com',
  'portal.existingSecret=cloudpos-portal',
  'portal.stripePrices=starter=price_a\\,growth=price_b\\,scale=price_c',
];

async function portalObjects(values: string[], extra: string[] = []): Promise<KubeObject[]> {
  const rendered = await helmTemplate(values, extra);
  expect(rendered.code, rendered.stderr).toBe(0);
  return parseAllDocuments(rendered.stdout)
    .map((document) => document.toJS() as KubeObject | null)
    .filter(
      (object): object is KubeObject =>
        object !== null && /-portal(-tenant-events)?$/.test(object.metadata.name),
    );
}

describe('the portal in charts/cloudpos', () => {
  it('is off by default and refuses to render without its required values', async () => {
    expect(await portalObjects([])).toEqual([]);
    const missing = await helmTemplate(['portal.enabled=true']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/portal\.(host|existingSecret)/);
  });

  it('renders a Deployment, Service, Ingress and an identity limited to create, get, patch and watch Tenants and watch their Events', async () => {
    const objects = await portalObjects(portalValues);
    expect(objects.map((object) => object.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Ingress',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    const role = objects.find((object) => object.kind === 'ClusterRole')!;
    expect(role.rules).toEqual([
      { apiGroups: ['cloudpos.io'], resources: ['tenants'], verbs: ['create', 'get', 'patch', 'watch'] },
    ]);
    const events = objects.find((object) => object.kind === 'Role')!;
    expect(events.metadata.namespace).toBe('default');
    expect(events.rules).toEqual([{ apiGroups: [''], resources: ['events'], verbs: ['watch'] }]);
    const deployment = JSON.stringify(objects.find((object) => object.kind === 'Deployment'));
    expect(deployment).toContain('"PROVISIONER","value":"kubernetes"');
    expect(deployment).toContain('https://{slug}.pos.example.com');
    // Secrets are referenced, never rendered.
    expect(deployment).toContain('"secretKeyRef":{"name":"cloudpos-portal","key":"STRIPE_SECRET_KEY"}');
  });

  it('is scraped by a ServiceMonitor on its HTTP port where the Prometheus Operator API exists', async () => {
    const monitored = [...portalValues, 'metrics.serviceMonitor.enabled=true'];
    expect((await portalObjects(monitored)).map((object) => object.kind)).not.toContain('ServiceMonitor');
    const objects = await portalObjects(monitored, ['--api-versions', 'monitoring.coreos.com/v1']);
    const monitor = objects.find((object) => object.kind === 'ServiceMonitor') as KubeObject & {
      spec: { selector: unknown; endpoints: unknown[] };
    };
    expect(monitor.spec.selector).toEqual({
      matchLabels: { 'app.kubernetes.io/instance': 'cloudpos', 'app.kubernetes.io/component': 'portal' },
    });
    expect(monitor.spec.endpoints).toMatchObject([{ port: 'http', path: '/metrics' }]);
    expect(monitor.spec.endpoints).toHaveLength(1);
    const service = objects.find((object) => object.kind === 'Service') as KubeObject & {
      metadata: { labels: Record<string, string> };
    };
    expect(service.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'portal' });
  });

  it('is accepted by the API server under restricted Pod Security, and its identity can do only what it needs', async () => {
    const namespaceObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    };
    expect((await kubectl(['apply', '-f', '-'], stringify(namespaceObject))).code).toBe(0);
    const objects = await portalObjects(portalValues);
    const yaml = objects.map((object) => stringify(object)).join('---\n');
    const dryRun = await kubectl(['apply', '--dry-run=server', '-f', '-'], yaml);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stderr).not.toMatch(/violate PodSecurity/);

    const identity = objects.filter((object) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(object.kind),
    );
    const applied = await kubectl(
      ['apply', '-f', '-'],
      identity.map((object) => stringify(object)).join('---\n'),
    );
    expect(applied.code, applied.stderr).toBe(0);
    const as = `system:serviceaccount:${namespace}:cloudpos-portal`;
    const can = async (verb: string, resource: string, ...flags: string[]) =>
      (await kubectl(['auth', 'can-i', verb, resource, '--as', as, ...flags])).stdout.trim();
    // The authorizer sees a new binding after its informer caught up.
    await eventually(
      'the binding to take effect',
      async () => (await can('create', 'tenants.cloudpos.io')) === 'yes',
      20_000,
    );
    for (const verb of ['create', 'get', 'patch', 'watch'])
      expect(await can(verb, 'tenants.cloudpos.io')).toBe('yes');
    expect(await can('delete', 'tenants.cloudpos.io')).toBe('no');
    expect(await can('list', 'tenants.cloudpos.io')).toBe('no');
    expect(await can('patch', 'tenants.cloudpos.io', '--subresource=status')).toBe('no');
    expect(await can('get', 'secrets')).toBe('no');
    expect(await can('watch', 'events', '-n', 'default')).toBe('yes');
    for (const [verb, where] of [
      ['list', 'default'],
      ['get', 'default'],
      ['create', 'default'],
      ['watch', namespace],
    ] as const)
      expect(await can(verb, 'events', '-n', where), `${verb} events in ${where}`).toBe('no');

    // As that identity, the portal applies a Tenant, reads it back, and keeps the operators' list
    // from a watch: its initial events stand in for the list it may not make.
    const token = await kubectl(['create', 'token', 'cloudpos-portal', '-n', namespace, '--duration=10m']);
    expect(token.code, token.stderr).toBe(0);
    const admin = new KubeConfig();
    admin.loadFromFile(inject('kubeconfigPath'));
    const asPortal = new KubeConfig();
    asPortal.loadFromOptions({
      clusters: admin.clusters,
      users: [{ name: 'portal', token: token.stdout.trim() }],
      contexts: [{ name: 'portal', cluster: admin.clusters[0]!.name, user: 'portal' }],
      currentContext: 'portal',
    });
    const provisioner = kubernetesProvisioner(asPortal);
    const slug = `chart-${Math.random().toString(36).slice(2, 8)}`;
    await provisioner.apply(
      tenantManifest({
        slug,
        displayName: 'Chart Check',
        plan: 'starter',
        currency: 'EUR',
        owner: { name: 'Chart Check', email: 'owner@chart.example' },
        tenantId: '00000000-0000-4000-8000-000000000003',
        accountId: '00000000-0000-4000-8000-000000000004',
      }),
    );
    expect(await provisioner.observe(slug)).toEqual({ phase: undefined, url: undefined, conditions: [] });
    await eventually('the watch to hold the new Tenant', async () => provisioner.observedAll!()?.has(slug));
    // The operator records an Event on the Tenant; the operators' list sees it through its watch.
    const recorded = await kubectl(
      ['create', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${slug}.chart`, namespace: 'default' },
        involvedObject: { apiVersion: 'cloudpos.io/v1alpha1', kind: 'Tenant', name: slug },
        type: 'Warning',
        reason: 'ApplyFailed',
        message: 'WorkloadsReady=False: quota exceeded',
        firstTimestamp: new Date().toISOString(),
        lastTimestamp: new Date().toISOString(),
        count: 2,
        source: { component: 'cloudpos-operator' },
      }),
    );
    expect(recorded.code, recorded.stderr).toBe(0);
    const seen = await eventually('the Tenant’s Event in the watch', async () =>
      [...(provisioner.clusterEvents!()?.values() ?? [])].find((event) => event.tenant === slug),
    );
    expect(seen).toMatchObject({
      type: 'Warning',
      reason: 'ApplyFailed',
      message: 'WorkloadsReady=False: quota exceeded',
      count: 2,
    });
    await kubectl(['delete', 'event', `${slug}.chart`, '-n', 'default']);
    await eventually('the deleted Event gone from the watch', async () =>
      [...(provisioner.clusterEvents!()?.values() ?? [])].some((event) => event.tenant === slug)
        ? undefined
        : true,
    );
    await provisioner.close();
    await kubectl(['delete', 'tenant', slug, '--wait=false']);

    for (const object of identity.filter((object) => object.kind !== 'ServiceAccount'))
      await kubectl([
        'delete',
        object.kind.toLowerCase(),
        object.metadata.name,
        ...(object.metadata.namespace ? ['-n', object.metadata.namespace] : []),
      ]);
  });
});
