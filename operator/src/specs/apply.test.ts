// The built objects on a real API server: accepted by server-side apply, admitted under Pod
// Security "restricted" and the plan's quota (kwok makes the Pods Ready), applied again only where
// something drifted, and garbage-collected with the Tenant that owns them.
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  NetworkingV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { eventually } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Tenant } from '../generated/tenant.ts';
import { createLogger } from '@cloudpos/telemetry';
import type { WorkQueue } from '../controller/queue.ts';
import { startWatches } from '../controller/watch.ts';
import { applyChanged } from '../kube/apply.ts';
import { installTenantCrd, kubectl } from '../test-support.ts';
import { testConfig, testCredentials, tenantManifest } from './fixtures.ts';
import { desiredObjects } from './index.ts';
import { SETTINGS_CONFIGMAP as SETTINGS } from './namespace.ts';

const kc = new KubeConfig();
let objects: KubernetesObjectApi;

beforeAll(async () => {
  await installTenantCrd();
  kc.loadFromFile(inject('kubeconfigPath'));
  objects = KubernetesObjectApi.makeApiClient(kc);
});

async function createTenant(slug: string, spec: Partial<Tenant['spec']> = {}): Promise<Tenant> {
  const created = await kubectl(['create', '-o', 'json', '-f', '-'], stringify(tenantManifest(slug, spec)));
  if (created.code !== 0) throw new Error(created.stderr);
  return JSON.parse(created.stdout) as Tenant;
}

describe('a tenant’s objects on a real API server', () => {
  it('are accepted, admitted under restricted Pod Security and the quota, and become Ready', async () => {
    const tenant = await createTenant('applied-growth', { plan: 'growth' });
    const applied = await applyChanged(objects, desiredObjects(tenant, testConfig, testCredentials));
    expect(applied.map((o) => o.kind)).toContain('HorizontalPodAutoscaler');

    const apps = kc.makeApiClient(AppsV1Api);
    const ready = await eventually('pos-api to be ready', async () => {
      const deployment = await apps.readNamespacedDeployment({
        name: 'pos-api',
        namespace: 'tenant-applied-growth',
      });
      return deployment.status?.readyReplicas === 2 ? deployment : undefined;
    });
    expect(ready.spec?.template.spec?.containers[0]?.securityContext?.runAsNonRoot).toBe(true);

    // The wire names made it through the serializer (`from` of the ingress rule, `default` of the limits).
    const policy = await kc
      .makeApiClient(NetworkingV1Api)
      .readNamespacedNetworkPolicy({ name: 'allow-ingress', namespace: 'tenant-applied-growth' });
    expect(policy.spec?.ingress?.[0]?._from).toHaveLength(2);
    const limits = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedLimitRange({ name: 'tenant-limits', namespace: 'tenant-applied-growth' });
    expect(limits.spec?.limits[0]?._default).toEqual({ cpu: '1', memory: '512Mi' });
  });

  it('sends nothing when applied again unchanged, and only what drifted', async () => {
    const tenant = await createTenant('applied-twice');
    const desired = desiredObjects(tenant, testConfig, testCredentials);
    await applyChanged(objects, desired);
    const versions = (list: KubernetesObject[]) =>
      list.map((o) => `${o.kind}/${o.metadata?.name}@${o.metadata?.resourceVersion}`);
    // Controllers write status (Deployment, quota, disruption budget) while Pods come up: wait
    // until two reads agree, then apply again: our apply must not change a single version.
    const settled = await eventually('the objects to settle', async () => {
      const before = versions(
        await Promise.all(
          desired.map((o) =>
            objects.read({ ...o, metadata: { name: o.metadata!.name!, namespace: o.metadata?.namespace } }),
          ),
        ),
      );
      await sleep(1000);
      const after = versions(
        await Promise.all(
          desired.map((o) =>
            objects.read({ ...o, metadata: { name: o.metadata!.name!, namespace: o.metadata?.namespace } }),
          ),
        ),
      );
      return before.join() === after.join() ? after : undefined;
    });
    // Nothing lacks a field we want, so nothing is even sent (a resync makes no write requests).
    expect((await applyChanged(objects, desired)).map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([]);
    expect(
      versions(
        await Promise.all(
          desired.map((o) =>
            objects.read({ ...o, metadata: { name: o.metadata!.name!, namespace: o.metadata?.namespace } }),
          ),
        ),
      ),
    ).toEqual(settled);
    // And a drifted object is the only one applied again.
    const drifted = await kubectl([
      '-n',
      'tenant-applied-twice',
      'label',
      'configmap',
      SETTINGS,
      'app.kubernetes.io/part-of-',
    ]);
    expect(drifted.code).toBe(0);
    const reapplied = await applyChanged(objects, desired);
    expect(reapplied.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([`ConfigMap/${SETTINGS}`]);
  });

  it('with the informers’ cache, costs not even a read when unchanged, and reads only what drifted', async () => {
    const queued = new Set<string>();
    const watches = await startWatches({
      kc,
      custom: kc.makeApiClient(CustomObjectsApi),
      objects,
      queue: { add: (name: string) => queued.add(name) } as unknown as WorkQueue,
      logger: createLogger({ name: 'apply-test', level: 'silent' }),
    });
    try {
      // Applied while the informers run: the cache holds what the watches delivered (wire JSON,
      // where a NetworkPolicy says `from` and a LimitRange `default`).
      const tenant = await createTenant('applied-cached');
      const desired = desiredObjects(tenant, testConfig, testCredentials);
      await applyChanged(objects, desired);
      await eventually('the cache to hold every object', async () =>
        desired.every((object) => watches.cached(object)) ? true : undefined,
      );
      const reads: string[] = [];
      const counting = Object.assign(Object.create(objects) as KubernetesObjectApi, {
        read: (object: KubernetesObject & { metadata: { name: string } }) => {
          reads.push(`${object.kind}/${object.metadata.name}`);
          return objects.read(object);
        },
      });
      expect(await applyChanged(counting, desired, watches.cached)).toEqual([]);
      expect(reads).toEqual([]);

      // Found unchanged, each copy keeps only what reconciles read again: its metadata, a
      // Deployment's replicas and status, a Secret whole. Unchanged again, still not a read.
      const namespace = 'tenant-applied-cached';
      const copy = (kind: string, name: string, apiVersion = 'v1') =>
        watches.cached({ apiVersion, kind, metadata: { name, namespace } });
      const deployment = copy('Deployment', 'pos-api', 'apps/v1') as KubernetesObject & { spec?: object };
      expect(Object.keys(deployment.spec ?? {})).toEqual(['replicas']);
      expect(deployment.metadata?.name).toBe('pos-api');
      expect(copy('ConfigMap', SETTINGS)).not.toHaveProperty('data');
      expect(copy('NetworkPolicy', 'allow-egress', 'networking.k8s.io/v1')).not.toHaveProperty('spec');
      expect(copy('Secret', 'tenant-credentials')).toHaveProperty('data');
      expect(await applyChanged(counting, desired, watches.cached)).toEqual([]);
      expect(reads).toEqual([]);
      // What is wanted changes: the compacted copy no longer answers for it, the object is read and applied.
      const changed = desired.map((object) =>
        object.kind === 'ConfigMap'
          ? { ...object, data: { ...(object as { data: object }).data, 'extra.setting': 'yes' } }
          : object,
      );
      expect((await applyChanged(counting, changed, watches.cached)).map((o) => o.kind)).toEqual([
        'ConfigMap',
      ]);
      expect(reads).toEqual([`ConfigMap/${SETTINGS}`]);
      reads.length = 0;

      // A drifted object reaches the cache by its watch, queues its tenant, and is the only one
      // read again and applied.
      queued.clear();
      expect(
        (
          await kubectl([
            '-n',
            'tenant-applied-cached',
            'label',
            'configmap',
            SETTINGS,
            'app.kubernetes.io/part-of-',
          ])
        ).code,
      ).toBe(0);
      await eventually('the drift to reach the cache', async () =>
        watches.cached({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: SETTINGS, namespace: 'tenant-applied-cached' },
        })?.metadata?.labels?.['app.kubernetes.io/part-of'] === undefined
          ? true
          : undefined,
      );
      expect(queued.has('applied-cached')).toBe(true);
      const reapplied = await applyChanged(counting, desired, watches.cached);
      expect(reapplied.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([`ConfigMap/${SETTINGS}`]);
      expect(reads).toEqual([`ConfigMap/${SETTINGS}`]);
    } finally {
      await watches.stop();
    }
  });

  it('go away with the Tenant (owner references and garbage collection)', async () => {
    const tenant = await createTenant('applied-deleted');
    await applyChanged(objects, desiredObjects(tenant, testConfig, testCredentials));
    const core = kc.makeApiClient(CoreV1Api);
    expect((await core.readNamespace({ name: 'tenant-applied-deleted' })).status?.phase).toBe('Active');
    const deleted = await kubectl(['delete', 'tenant', 'applied-deleted', '--wait=false']);
    expect(deleted.code).toBe(0);
    await eventually(
      'the namespace to be gone',
      async () => {
        try {
          await core.readNamespace({ name: 'tenant-applied-deleted' });
          return undefined;
        } catch (error) {
          return error instanceof ApiException && error.code === 404 ? true : undefined;
        }
      },
      90_000,
    );
  });
});
