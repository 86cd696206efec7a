// The demo tenant's catalog, created through the POS API as a merchant would (owner sign-in, tax
// rates, tax categories, a bulk upsert by SKU) the first time `npm start` finds it empty: the demo
// till can sell at once. German VAT, prices including it, in EUR.
import { request } from 'node:http';
import { DEMO_STAFF, DEMO_TILL } from './demo-tenant.ts';

const PRODUCTS = [
  { sku: 'ESPRESSO', name: 'Espresso', category: 'food', price: 220, barcode: '4000000000017' },
  { sku: 'LATTE', name: 'Latte', category: 'food', price: 350, barcode: '4000000000024' },
  { sku: 'CROISSANT', name: 'Croissant', category: 'food', price: 180, barcode: '4000000000031' },
  { sku: 'MUG', name: 'Demo Mug', category: 'standard', price: 1290, barcode: '4000000000048' },
  { sku: 'BEANS-250', name: 'Coffee Beans 250 g', category: 'food', price: 790, barcode: '4000000000055' },
] as const;

function call<T>(
  port: number,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        // The pooled API finds the tenant by host name.
        headers: {
          host: 'demo.localhost',
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text || 'null') as T }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function expectOk<T>(what: string, pending: Promise<{ status: number; body: T }>): Promise<T> {
  const { status, body } = await pending;
  if (status >= 300) throw new Error(`demo catalog: ${what} answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** Creates the demo catalog unless the tenant already has tax rates; returns how many products it has. */
export async function ensureDemoCatalog(apiPort: number): Promise<number> {
  const owner = DEMO_STAFF[0];
  const { accessToken } = await expectOk(
    'sign-in',
    call<{ accessToken: string }>(apiPort, '/v1/auth/sign-in', {
      deviceId: DEMO_TILL.id,
      deviceSecret: DEMO_TILL.secret,
      staffCode: owner.code,
      pin: owner.pin,
    }),
  );
  const existing = await expectOk(
    'tax rates',
    call<{ items: unknown[] }>(apiPort, '/v1/catalog/tax-rates', undefined, accessToken),
  );
  if (existing.items.length === 0) {
    const rate = async (code: string, name: string, percent: string) =>
      (
        await expectOk(
          code,
          call<{ id: string }>(
            apiPort,
            '/v1/catalog/tax-rates',
            { code, name, rate: percent, inclusive: true },
            accessToken,
          ),
        )
      ).id;
    const standard = await rate('VAT19', 'MwSt 19 %', '19');
    const reduced = await rate('VAT7', 'MwSt 7 %', '7');
    for (const [code, name, id] of [
      ['standard', 'Standard', standard],
      ['food', 'Lebensmittel', reduced],
    ] as const) {
      await expectOk(
        code,
        call(apiPort, '/v1/catalog/tax-categories', { code, name, taxRateIds: [id] }, accessToken),
      );
    }
    await expectOk(
      'bulk upsert',
      call(
        apiPort,
        '/v1/catalog/bulk',
        {
          items: PRODUCTS.map((product) => ({
            sku: product.sku,
            barcode: product.barcode,
            prices: [{ currency: 'EUR', amount: product.price }],
            product: { externalId: product.sku, name: product.name, taxCategoryCode: product.category },
          })),
        },
        accessToken,
      ),
    );
  }
  const products = await expectOk(
    'products',
    call<{ items: unknown[] }>(apiPort, '/v1/catalog/products', undefined, accessToken),
  );
  return products.items.length;
}
