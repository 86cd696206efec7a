// Store management, in-process through the real production build: the portal's loaders and actions
// call a real pooled POS API with portal tokens (ADR 0015) for tenants provisioned by the operator's
// local mode. Two merchants; an owner and a manager of one of them.
import { portalTokenSigner } from '@cloudpos/pos-api';
import { TEST_PORTAL_TOKEN_SECRET } from '@cloudpos/pos-api/test-support';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormClient } from './testing/browserless.ts';
import { readyTenant, signedInManager, verifiedMerchant } from './testing/merchants.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';

let portal: TestPortal;
let ana: FormClient;
let bo: FormClient;
let manager: FormClient;
const anaSlug = `ana-${randomBytes(3).toString('hex')}`;
const boSlug = `bo-${randomBytes(3).toString('hex')}`;
const manage = (slug: string, path = '') => `/tenants/${slug}/manage${path}`;

beforeAll(async () => {
  portal = await startTestPortal('manage', {}, {}, { posApi: true });
  ana = await verifiedMerchant(portal, 'ana@corner.example', 'Corner Café');
  bo = await verifiedMerchant(portal, 'bo@books.example', 'Bo Books');
  await readyTenant(portal, ana, anaSlug, 'Corner Café');
  await readyTenant(portal, bo, boSlug, 'Bo Books');
  manager = await signedInManager(portal, ana, 'max@corner.example');
}, 180_000);
afterAll(async () => {
  await portal?.stop();
});

const html = async (response: Response) => {
  // React marks where adjacent text pieces meet (`a<!-- -->b`); the reader sees one text.
  const text = (await response.text()).replaceAll('<!-- -->', '');
  return { status: response.status, text };
};

describe('store management', () => {
  it('shows the tenant’s stores, read from its POS API, and opens a store as the owner', async () => {
    const home = await html(await ana.get(manage(anaSlug)));
    expect(home.status).toBe(200);
    expect(home.text).toContain('Corner Café: store management');
    expect(home.text).toMatch(/<strong>1<\/strong> open store/);

    const created = await html(
      await ana.post(manage(anaSlug, '/stores'), { intent: 'create', code: 'north', name: 'North Street' }),
    );
    expect(created.status).toBe(200);
    expect(created.text).toContain('Store North Street (NORTH) is open.');
    const stores = await html(await ana.get(manage(anaSlug, '/stores')));
    expect(stores.text).toContain('North Street');

    const taken = await html(
      await ana.post(manage(anaSlug, '/stores'), { intent: 'create', code: 'NORTH', name: 'Again' }),
    );
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('Another store has this code.');
  });

  it('shows a merchant only their own tenants', async () => {
    expect((await bo.get(manage(anaSlug))).status).toBe(404);
    expect((await bo.get(manage(anaSlug, '/products'))).status).toBe(404);
    const posted = await bo.post(manage(anaSlug, '/stores'), {
      intent: 'create',
      code: 'BO',
      name: 'Not yours',
    });
    expect(posted.status).toBe(404);
    expect(await (await ana.get(manage(anaSlug, '/stores'))).text()).not.toContain('Not yours');
    expect((await bo.get(manage(boSlug))).status).toBe(200);
  });

  it('refuses an action without the CSRF token', async () => {
    const response = await ana.post(
      manage(anaSlug, '/stores'),
      { intent: 'create', code: 'CSRF', name: 'No token' },
      { csrf: null },
    );
    expect(response.status).toBe(403);
  });

  it('gives a manager the manager’s rights: no stores opened, no billing, no owners', async () => {
    const stores = await html(await manager.get(manage(anaSlug, '/stores')));
    expect(stores.status).toBe(200);
    expect(stores.text).toContain('Only an owner of the account can open, rename or close stores.');
    // Posting anyway: the POS API refuses the manager's token.
    const refused = await html(
      await manager.post(manage(anaSlug, '/stores'), { intent: 'create', code: 'MGR', name: 'Manager' }),
    );
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Your role cannot do this.');
    const plan = await html(
      await manager.post('/plans', { storeName: 'Another', slug: `mgr-${anaSlug}`, plan: 'starter' }),
    );
    expect(plan.status).toBe(403);
    expect(plan.text).toContain('Only an owner of the account can choose plans and pay.');
    // The setup code is the owner's.
    expect(await (await manager.get(`/tenants/${anaSlug}`)).text()).not.toContain('setup-code');
    const owner = await html(
      await manager.post(manage(anaSlug, '/staff'), {
        intent: 'create',
        displayName: 'Olive Owner',
        code: '9000',
        role: 'owner',
        pin: '9999',
      }),
    );
    expect(owner.status).toBe(403);
    const cashier = await html(
      await manager.post(manage(anaSlug, '/staff'), {
        intent: 'create',
        displayName: 'Cass Cashier',
        code: '3001',
        role: 'cashier',
        pin: '3333',
      }),
    );
    expect(cashier.status).toBe(200);
    expect(cashier.text).toContain('Cass Cashier can now sign in on the tills with code 3001.');
    expect(cashier.text).not.toContain('3333');
  });

  it('creates a tax category and a product, lists and finds it, and records who did it', async () => {
    const tax = await html(
      await manager.post(manage(anaSlug, '/taxes'), {
        name: 'Standard VAT',
        code: 'VAT19',
        rate: '19',
        inclusive: 'true',
      }),
    );
    expect(tax.status).toBe(200);
    const form = await (await manager.get(manage(anaSlug, '/products/new'))).text();
    const taxCategoryId = /<option value="([0-9a-f-]{36})">Standard VAT<\/option>/.exec(form)?.[1];
    expect(taxCategoryId).toBeDefined();

    const bad = await html(
      await manager.post(manage(anaSlug, '/products/new'), {
        name: 'Latte',
        sku: 'LATTE',
        price: 'three',
        taxCategoryId: taxCategoryId!,
      }),
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a price such as 3.50.');

    const created = await manager.post(manage(anaSlug, '/products/new'), {
      name: 'Latte',
      sku: 'LATTE',
      price: '3,50',
      taxCategoryId: taxCategoryId!,
    });
    expect(created.status).toBe(302);
    expect(created.headers.get('location')).toMatch(
      new RegExp(`${manage(anaSlug, '/products/')}[0-9a-f-]{36}`),
    );

    const list = await html(await manager.get(manage(anaSlug, '/products')));
    expect(list.text).toContain('Latte');
    // The tenant's locale (the CRD's default en-US: the plan form sets none yet).
    expect(list.text).toContain('€3.50');
    const found = await html(await manager.get(`${manage(anaSlug, '/products')}?q=latt`));
    expect(found.text).toContain('SKU LATTE');
    const none = await html(await manager.get(`${manage(anaSlug, '/products')}?q=zzz`));
    expect(none.text).toContain('Nothing matches');

    const sku = await html(
      await manager.post(manage(anaSlug, '/products/new'), {
        name: 'Latte again',
        sku: 'LATTE',
        price: '1',
        taxCategoryId: taxCategoryId!,
      }),
    );
    expect(sku.status).toBe(409);
    expect(sku.text).toContain('Another product has this SKU.');

    const audit = await html(await manager.get(manage(anaSlug, '/audit')));
    expect(audit.text).toMatch(/catalog\.write.*by .*you.*manager, portal/s);
  });

  it('pages through products with the API’s cursor', async () => {
    const form = await (await ana.get(manage(anaSlug, '/products/new'))).text();
    const taxCategoryId = /<option value="([0-9a-f-]{36})">/.exec(form)![1]!;
    for (let i = 0; i < 21; i++) {
      const response = await ana.post(manage(anaSlug, '/products/new'), {
        name: `Bulk ${String(i).padStart(2, '0')}`,
        sku: `BULK-${i}`,
        price: '1',
        taxCategoryId,
      });
      expect(response.status).toBe(302);
    }
    const first = await html(await ana.get(manage(anaSlug, '/products')));
    const next = /href="([^"]*cursor=[^"]+)"/.exec(first.text)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toBeDefined();
    const second = await html(await ana.get(next!));
    expect(second.status).toBe(200);
    expect(second.text).toContain('First page');
    const names = (text: string) => [...text.matchAll(/>(Bulk \d\d|Latte)<\/a>/g)].map((match) => match[1]);
    expect([...names(first.text), ...names(second.text)]).toHaveLength(22);
    expect((await ana.get(`${manage(anaSlug, '/products')}?cursor=garbage`)).status).toBe(200);
  });

  it('shows a conflicting edit as both versions, and saves mine over theirs when asked', async () => {
    const list = await (await ana.get(`${manage(anaSlug, '/products')}?q=LATTE`)).text();
    const productPath = /href="([^"]*\/products\/[0-9a-f-]{36})"/.exec(list)![1]!;
    const productId = productPath.split('/').at(-1)!;
    const page = await (await ana.get(productPath)).text();
    const version = /name="version" value="(\d+)"/.exec(page)![1]!;

    // Another portal user saves first, straight through the API.
    const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
      tenant: anaSlug,
      portalUserId: '00000000-0000-4000-8000-000000000001',
      role: 'owner',
    });
    const theirs = await fetch(`${portal.posApi!.url}/v1/catalog/products/${productId}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'if-match': `"${version}"`,
      },
      body: JSON.stringify({ name: 'Caffè Latte' }),
    });
    expect(theirs.status).toBe(200);

    const mine = await html(
      await ana.post(productPath, { version, name: 'Latte (large)', description: '', active: 'true' }),
    );
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('Someone else changed this product while you were editing it.');
    expect(mine.text).toContain('Latte (large)');
    expect(mine.text).toContain('Caffè Latte');
    const current = /name="version" value="(\d+)"/.exec(mine.text)![1]!;
    expect(Number(current)).toBe(Number(version) + 1);

    const saved = await html(
      await ana.post(productPath, {
        version: current,
        name: 'Latte (large)',
        description: '',
        active: 'true',
      }),
    );
    expect(saved.text).toContain('Saved.');
    expect(saved.text).toContain('<h1>Latte (large)</h1>');
  });

  it('lists registers with the place for pairing, staff, the audit log and sales', async () => {
    const registers = await html(await ana.get(manage(anaSlug, '/registers')));
    expect(registers.status).toBe(200);
    expect(registers.text).toContain('Pair a register');
    const staff = await html(await ana.get(manage(anaSlug, '/staff')));
    expect(staff.text).toContain('Cass Cashier');
    const cashierId = /name="id" value="([0-9a-f-]{36})"/.exec(staff.text)![1]!;
    const weak = await html(
      await ana.post(manage(anaSlug, '/staff'), { intent: 'pin', id: cashierId, pin: '12' }),
    );
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('Use 4 to 12 digits.');
    const reset = await html(
      await ana.post(manage(anaSlug, '/staff'), { intent: 'pin', id: cashierId, pin: '4321' }),
    );
    expect(reset.text).toContain('New PIN set for Cass Cashier');
    const off = await html(
      await ana.post(manage(anaSlug, '/staff'), { intent: 'active', id: cashierId, active: 'false' }),
    );
    expect(off.text).toContain('Cass Cashier is deactivated.');
    const sales = await html(await ana.get(manage(anaSlug, '/sales')));
    expect(sales.status).toBe(200);
    expect(sales.text).toContain('No sales on this page.');
    expect((await ana.get(manage(anaSlug, '/sales/not-a-sale'))).status).toBe(404);
  });

  it('renames, moves and deactivates a register', async () => {
    const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
      tenant: anaSlug,
      portalUserId: '00000000-0000-4000-8000-000000000001',
      role: 'owner',
    });
    const api = (path: string, body?: object) =>
      fetch(`${portal.posApi!.url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const device = (await (await api('/v1/devices', { name: 'Counter 1' })).json()) as { id: string };
    const stores = (await (await api('/v1/stores')).json()) as { items: { id: string; code: string }[] };
    const north = stores.items.find((store) => store.code === 'NORTH')!;
    const path = manage(anaSlug, '/registers');

    const renamed = await html(
      await ana.post(path, { intent: 'rename', id: device.id, name: 'Front counter' }),
    );
    expect(renamed.text).toContain('Register Front counter saved.');
    const moved = await html(await ana.post(path, { intent: 'move', id: device.id, storeId: north.id }));
    expect(moved.text).toContain('Front counter</strong>');
    expect(moved.text).toContain('in North Street');
    const bad = await ana.post(path, { intent: 'move', id: device.id, storeId: 'nowhere' });
    expect(bad.status).toBe(400);
    const off = await html(await ana.post(path, { intent: 'active', id: device.id, active: 'false' }));
    expect(off.text).toContain('deactivated');
    const listed = (await (await api('/v1/devices')).json()) as {
      items: { id: string; revokedAt: string | null }[];
    };
    expect(listed.items.find((item) => item.id === device.id)?.revokedAt).not.toBeNull();
  });

  it('makes a one-time pairing code for the chosen store that pairs a register once', async () => {
    const path = manage(anaSlug, '/registers');
    const page = await html(await manager.get(path));
    // Two open stores (Main and North Street): the store is chosen, not guessed.
    const north = /<option value="([0-9a-f-]{36})">North Street<\/option>/.exec(page.text)?.[1];
    expect(north).toBeDefined();
    const unchosen = await html(await manager.post(path, { intent: 'pair' }));
    expect(unchosen.status).toBe(400);
    expect(unchosen.text).toContain('Choose the store the new register sells in.');
    const wrong = await html(await manager.post(path, { intent: 'pair', storeId: 'north' }));
    expect(wrong.status).toBe(400);

    const made = await html(await manager.post(path, { intent: 'pair', storeId: north! }));
    expect(made.status).toBe(200);
    const code = /data-testid="pairing-code">([A-Z0-9]{4}-[A-Z0-9]{4})</.exec(made.text)?.[1];
    expect(code).toBeDefined();
    expect(made.text).toContain('Pairing code for North Street');
    expect(made.text).toMatch(
      /Works once, until <strong>\d{1,2}:\d{2}\s?[AP]M [A-Z+0-9]+<\/strong> \(10 minutes\)/,
    );
    expect(made.text).toContain(`href="http://${anaSlug}.localhost:8080/till/"`);

    // The till's side, on the real API: the code pairs one register, in North Street, once.
    const pair = () =>
      portal.posApi!.app.inject({
        method: 'POST',
        url: '/v1/devices/pair',
        headers: { host: `${anaSlug}.localhost` },
        payload: { code: code!.toLowerCase(), device: { name: 'Window till' } },
      });
    const paired = await pair();
    expect(paired.statusCode, paired.body).toBe(201);
    expect(paired.json<{ store: { id: string } }>().store.id).toBe(north);
    expect((await pair()).statusCode).toBe(409);
    const registers = await html(await manager.get(path));
    expect(registers.text).toMatch(/Window till<\/strong>.*in North Street/s);
  });

  it('says in plain words why a pairing code cannot be made', async () => {
    const path = manage(anaSlug, '/registers');
    // A store that does not exist (closed in between, or another tenant's id).
    const gone = await html(
      await ana.post(path, { intent: 'pair', storeId: '00000000-0000-4000-8000-00000000abcd' }),
    );
    expect(gone.status).toBe(404);
    expect(gone.text).toContain('That store no longer exists. Reload the page.');
    expect(gone.text).not.toContain('data-testid="pairing-code"');
  });

  it('lets an owner change the settings in the tenant’s currency, and shows a manager them read-only', async () => {
    const path = manage(anaSlug, '/settings');
    const page = await html(await ana.get(path));
    expect(page.status).toBe(200);
    // Defaults in euros, as typed (EUR has two decimals): 500.00 largest sale offline.
    expect(page.text).toMatch(/name="maxSaleAmount"[^>]*value="500\.00"/);
    expect(page.text).toContain('Save offline limits');

    const offline = {
      intent: 'offline',
      maxOfflineHours: '6',
      maxSaleAmount: '250,50',
      maxQueuedAmount: '2000',
      maxQueuedSales: '40',
      tenderCash: 'on',
    };
    const saved = await html(await ana.post(path, offline));
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('Offline limits saved.');
    const receipt = await html(
      await ana.post(path, {
        intent: 'receipt',
        header: 'Open 8–18\r\n',
        footer: 'Thank you!\r\nSee you soon',
      }),
    );
    expect(receipt.text).toContain('Receipt text saved.');

    // Stored in minor units through the tenant's POS API.
    const token = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
      tenant: anaSlug,
      portalUserId: '00000000-0000-4000-8000-000000000001',
      role: 'manager',
    });
    const read = async () =>
      (await (
        await fetch(`${portal.posApi!.url}/v1/settings`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { offline: object; receipt: object; sales: object };
    expect(await read()).toMatchObject({
      offline: {
        maxOfflineHours: 6,
        maxSaleAmount: 25_050,
        maxQueuedAmount: 200_000,
        maxQueuedSales: 40,
        tenders: ['cash'],
      },
      receipt: { header: ['Open 8–18'], footer: ['Thank you!', 'See you soon'] },
    });

    // Mistakes are named next to their field, and nothing is stored.
    const bad = await html(
      await ana.post(path, { ...offline, maxOfflineHours: '200', maxSaleAmount: '12.345' }),
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="offline-maxOfflineHours-error">Enter a whole number from 0 to 168\./);
    expect(bad.text).toMatch(/id="offline-maxSaleAmount-error">Enter an amount in EUR, such as 250\.00\./);
    // What was typed is shown again.
    expect(bad.text).toMatch(/name="maxSaleAmount"[^>]*value="12\.345"/);
    const long = await html(await ana.post(path, { intent: 'receipt', header: '', footer: 'x'.repeat(65) }));
    expect(long.status).toBe(400);
    expect(long.text).toContain('Line 1 has 65 characters: use at most 64.');
    const percent = await html(await ana.post(path, { intent: 'sales', discountLimitPercent: '150' }));
    expect(percent.text).toContain('Enter a percent from 0 to 100.');
    expect((await read()).offline).toMatchObject({ maxOfflineHours: 6, maxSaleAmount: 25_050 });

    // A manager reads them (amounts formatted in the tenant's locale) and has no form to change them.
    const asManager = await html(await manager.get(path));
    expect(asManager.status).toBe(200);
    expect(asManager.text).toContain('Only an owner of the account can change these settings.');
    expect(asManager.text).toContain('€250.50');
    expect(asManager.text).toContain('See you soon');
    expect(asManager.text).not.toContain('Save offline limits');
    // Posting anyway: the POS API refuses the manager's token, and nothing changes.
    const refused = await html(await manager.post(path, { ...offline, maxOfflineHours: '1' }));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Only an owner of the account can change settings.');
    expect((await read()).offline).toMatchObject({ maxOfflineHours: 6 });
    // Another merchant cannot even see them.
    expect((await bo.get(path)).status).toBe(404);
    expect((await bo.post(path, offline)).status).toBe(404);
  });

  it('links the till at /till/ on the tenant’s host', async () => {
    expect(await (await ana.get(`/tenants/${anaSlug}`)).text()).toContain(
      `href="http://${anaSlug}.localhost:8080/till/"`,
    );
  });
});
