// The portal's Tenant is the one the operator's local mode accepts (the CRD's schema with defaults,
// and its CEL rule name == slug), so the two paths get the same manifest.
import { validateTenant } from '@cloudpos/operator/local';
import { describe, expect, it } from 'vitest';
import { tenantManifest } from './manifest.ts';

describe('tenantManifest', () => {
  it('passes the CRD schema as the local mode validates it', async () => {
    const manifest = tenantManifest({
      slug: 'sakura-market',
      displayName: 'Sakura Market',
      plan: 'scale',
      currency: 'JPY',
      owner: { name: 'Sakura Market', email: 'owner@sakura.example' },
      tenantId: '00000000-0000-4000-8000-000000000001',
      accountId: '00000000-0000-4000-8000-000000000002',
    });
    const tenant = await validateTenant(manifest);
    expect(tenant.metadata.name).toBe('sakura-market');
    expect(tenant.spec).toMatchObject({ plan: 'scale', stores: [{ code: 'MAIN', name: 'Sakura Market' }] });
  });
});
