// The cluster path against the real API server: the portal's manifest passes the CRD's schema and
// CEL rules, is applied under the portal's own field manager, is idempotent, and its status is read
// back; a manifest the CRD refuses fails with the API server's reason.
import { installTenantCrd, kubectl } from '@cloudpos/operator/test-support';
import { KubeConfig } from '@kubernetes/client-node';
import { eventually } from '@cloudpos/harness';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kubernetesProvisioner, PORTAL_FIELD_MANAGER } from './kubernetes-provisioner.ts';
import { tenantManifest, type TenantManifest } from './manifest.ts';
import type { TenantProvisioner } from './provisioner.ts';

let provisioner: TenantProvisioner;

beforeAll(async () => {
  await installTenantCrd();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(inject('kubeconfigPath'));
  provisioner = kubernetesProvisioner(kubeConfig);
});
afterAll(() => provisioner.close());

const order = (slug: string) =>
  tenantManifest({
    slug,
    displayName: 'Northwind Books',
    plan: 'growth',
    currency: 'EUR',
    owner: { name: 'Northwind Books', email: 'owner@northwind.example' },
    tenantId: '00000000-0000-4000-8000-000000000001',
    accountId: '00000000-0000-4000-8000-000000000002',
  });

async function liveTenant(slug: string) {
  const result = await kubectl(['get', 'tenant', slug, '-o', 'json', '--show-managed-fields']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    spec: TenantManifest['spec'];
    metadata: { resourceVersion: string; managedFields: { manager: string }[] };
  };
}

describe('Tenants through the Kubernetes API', () => {
  it('applies the manifest under its own field manager, once, and reads it back', async () => {
    const slug = `portal-${randomBytes(3).toString('hex')}`;
    await provisioner.apply(order(slug));
    const first = await liveTenant(slug);
    expect(first.spec).toMatchObject({
      slug,
      plan: 'growth',
      currency: 'EUR',
      deletionPolicy: 'BackupThenDelete',
    });
    expect(first.metadata.managedFields.map((field) => field.manager)).toContain(PORTAL_FIELD_MANAGER);
    await provisioner.apply(order(slug));
    expect((await liveTenant(slug)).metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    // No operator runs here: the Tenant exists, with no status yet.
    expect(await provisioner.observe(slug)).toEqual({ phase: undefined, url: undefined, conditions: [] });
    expect(await provisioner.observe(`${slug}-missing`)).toBeUndefined();
    await kubectl(['delete', 'tenant', slug, '--wait=false']);
  });

  it('changes the plan by applying the manifest again (billing’s path), keeping the portal’s field manager', async () => {
    const slug = `portal-${randomBytes(3).toString('hex')}`;
    await provisioner.apply(order(slug));
    const before = await liveTenant(slug);
    const manifest = order(slug);
    await provisioner.apply({ ...manifest, spec: { ...manifest.spec, plan: 'scale' } });
    const after = await liveTenant(slug);
    expect(after.spec.plan).toBe('scale');
    expect(after.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    expect(after.metadata.managedFields.map((field) => field.manager)).toEqual([PORTAL_FIELD_MANAGER]);
    // The operator turns spec.plan into quota, replicas and stream limits (controller/reconcile.test.ts).
    await kubectl(['delete', 'tenant', slug, '--wait=false']);
  });

  it('fails with the API server reason when the CRD refuses the manifest', async () => {
    const manifest = order(`portal-${randomBytes(3).toString('hex')}`);
    const refused = { ...manifest, spec: { ...manifest.spec, currency: 'euro' } };
    await expect(provisioner.apply(refused)).rejects.toThrow(
      /while applying Tenant portal-\w+: HTTP 422: .*currency/,
    );
  });

  it('keeps every portal Tenant’s status from one watch, for the operators’ list', async () => {
    const slug = `portal-${randomBytes(3).toString('hex')}`;
    await provisioner.apply(order(slug));
    // A Tenant someone applied with kubectl, not the portal, is not the portal's to list.
    const foreign = `kubectl-${randomBytes(3).toString('hex')}`;
    const manifest = order(foreign);
    await kubectl(['apply', '-f', '-'], JSON.stringify({ ...manifest, metadata: { name: foreign } }));
    const seen = () =>
      eventually('the watch to have the whole state', async () => provisioner.observedAll!());
    expect((await seen()).has(slug)).toBe(true);
    expect((await seen()).has(foreign)).toBe(false);

    // The operator writes status; the cache follows, and forgets a deleted Tenant.
    const status = {
      phase: 'Ready',
      url: `https://${slug}.pos.example.com`,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: 'ok',
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    };
    const patched = await kubectl([
      'patch',
      'tenant',
      slug,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    await eventually('the Ready status in the cache', async () =>
      (await seen()).get(slug)?.phase === 'Ready' ? true : undefined,
    );
    expect((await seen()).get(slug)).toEqual(await provisioner.observe(slug));
    await kubectl(['delete', 'tenant', slug, foreign, '--wait=false']);
    await eventually('the deleted Tenant gone from the cache', async () =>
      (await seen()).has(slug) ? undefined : true,
    );
  });
});
