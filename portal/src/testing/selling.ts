// Sales on a test portal's tenant, as a register makes them: a product, a cashier and a register
// set up through the tenant's POS API with an owner's portal token, then the cashier signs in on
// the register and sells.
import { portalTokenSigner } from '@cloudpos/pos-api';
import { TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestPortal } from './portal.ts';

/** A call to a tenant's POS API with a portal token (or the headers given), answered with the JSON body. */
export type TenantCall = <T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
  headers?: Record<string, string>,
) => Promise<T>;

/** The tenant's POS API as another portal user with `role` would call it (someone saving first). */
export async function tenantApi(
  portal: TestPortal,
  slug: string,
  role: 'owner' | 'manager' = 'owner',
): Promise<TenantCall> {
  const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
    tenant: slug,
    portalUserId: '00000000-0000-4000-8000-000000000001',
    role,
  });
  return async <T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
    headers: Record<string, string> = { authorization: `Bearer ${token}` },
  ) => {
    const response = await portal.posApi!.app.inject({
      method,
      url,
      headers: { host: `${slug}.localhost`, ...headers },
      ...(payload ? { payload } : {}),
    });
    expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300);
    return (response.body ? response.json() : undefined) as T;
  };
}

export interface TestRegister {
  /** Sells `quantity` of the register's product for cash; the sale's id and total. */
  sell(quantity?: number): Promise<{ id: string; total: number }>;
}

export async function sellingRegister(
  portal: TestPortal,
  slug: string,
  product: { sku: string; name: string; amount: number } = {
    sku: 'TIDE',
    name: 'Tide Tables 2027',
    amount: 1250,
  },
): Promise<TestRegister> {
  const call = await tenantApi(portal, slug);
  const rate = await call<{ id: string }>('POST', '/v1/catalog/tax-rates', {
    code: 'VAT19',
    name: 'VAT 19%',
    rate: '19',
    inclusive: true,
  });
  const category = await call<{ id: string }>('POST', '/v1/catalog/tax-categories', {
    code: 'VAT19',
    name: 'Standard VAT',
    taxRateIds: [rate.id],
  });
  await call('POST', '/v1/catalog/products', {
    name: product.name,
    taxCategoryId: category.id,
    variants: [{ sku: product.sku, prices: [{ amount: product.amount }] }],
  });
  await call('POST', '/v1/staff', { code: '3000', displayName: 'Cai Cashier', role: 'cashier', pin: '3131' });
  // In the tenant's first store: a till of a tenant with several stores must name its own.
  const stores = await call<{ items: { id: string }[] }>('GET', '/v1/stores');
  const device = await call<{ id: string; secret: string }>('POST', '/v1/devices', {
    name: 'Front',
    storeId: stores.items[0]!.id,
  });
  const session = await call<{ accessToken: string }>(
    'POST',
    '/v1/auth/sign-in',
    { deviceId: device.id, deviceSecret: device.secret, staffCode: '3000', pin: '3131' },
    {},
  );
  return {
    sell: (quantity = 1) =>
      call<{ id: string; total: number }>(
        'POST',
        '/v1/sales',
        {
          lines: [{ sku: product.sku, quantity }],
          tenders: [{ method: 'cash', amount: product.amount * quantity }],
        },
        { authorization: `Bearer ${session.accessToken}`, 'idempotency-key': randomUUID() },
      ),
  };
}
