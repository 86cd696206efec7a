// The CSV product import, in-process through the real production build against a real pooled POS
// API: a file is checked, refused by row while anything is wrong (nothing imported), imported in
// bulk, and imported again as updates; owners and managers both may (catalog.write), another
// merchant may not even see the page.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FormClient } from './testing/browserless.ts';
import { readyTenant, signedInManager, verifiedMerchant } from './testing/merchants.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';

let portal: TestPortal;
let owner: FormClient;
let manager: FormClient;
let stranger: FormClient;
const slug = `imp-${randomBytes(3).toString('hex')}`;
const importPath = `/tenants/${slug}/manage/products/import`;
const HEADER = 'sku,name,variant,barcode,price,tax_category,external_id';
const GOOD = [
  'TEA-S,Green tea,Small,4006381333931,2.50,FOOD,tea',
  'TEA-L,Green tea,Large,,"3,20",FOOD,tea',
  'SCONE,Scone,,,1.95,FOOD,',
];

beforeAll(async () => {
  portal = await startTestPortal('product_import', {}, {}, { posApi: true });
  owner = await verifiedMerchant(portal, 'ida@import.example', 'Import Café');
  stranger = await verifiedMerchant(portal, 'sam@other.example', 'Other Shop');
  await readyTenant(portal, owner, slug, 'Import Café');
  manager = await signedInManager(portal, owner, 'mia@import.example');
  const tax = await manager.post(`/tenants/${slug}/manage/taxes`, {
    name: 'Food',
    code: 'FOOD',
    rate: '7',
    inclusive: 'true',
  });
  expect(tax.status).toBe(200);
}, 180_000);
afterAll(async () => {
  await portal?.stop();
});

const html = async (response: Response) => ({
  status: response.status,
  text: (await response.text()).replaceAll('<!-- -->', '').replaceAll('&quot;', '"'),
});
const file = (text: string | Uint8Array<ArrayBuffer>, name = 'products.csv') =>
  new File([text], name, { type: 'text/csv' });
const check = async (client: FormClient, text: string | Uint8Array<ArrayBuffer>, name?: string) =>
  html(await client.upload(importPath, { intent: 'check', file: file(text, name) }));
const importCsv = async (client: FormClient, text: string) =>
  html(await client.upload(importPath, { intent: 'import', fileName: 'products.csv', csv: text }));
const productList = async () => (await html(await owner.get(`/tenants/${slug}/manage/products`))).text;

describe('CSV product import', () => {
  it('offers the template, which the import reads', async () => {
    const template = await owner.get(`${importPath}/template.csv`);
    expect(template.status).toBe(200);
    expect(template.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await template.text();
    expect(text.split('\r\n')[0]).toBe(HEADER);
    expect((await check(owner, text)).status).toBe(200);
    const page = await html(await owner.get(`/tenants/${slug}/manage/products`));
    expect(page.text).toContain('Import from CSV');
  });

  it('refuses a file with a bad row by its row number, and imports nothing', async () => {
    const bad = await check(manager, [HEADER, ...GOOD, 'MUFFIN,Muffin,,,1.2.3,FOOD,'].join('\n'));
    expect(bad.status).toBe(200);
    expect(bad.text).toContain('Row 5: price “1.2.3” is not an amount in EUR, such as 3.50.');
    expect(bad.text).not.toContain('name="csv"');
    // Posting the import anyway: the server checks again.
    const forced = await importCsv(manager, [HEADER, ...GOOD, 'MUFFIN,Muffin,,,1.2.3,FOOD,'].join('\n'));
    expect(forced.status).toBe(400);
    expect(forced.text).toContain('Row 5: price');
    expect(await productList()).not.toContain('Green tea');
  });

  it('maps the POS API’s refusal of an item back to the row, all or nothing', async () => {
    // Only the API knows the tax categories: the check passes, the import is refused for row 3.
    const text = [HEADER, GOOD[0], 'CAKE,Cake,,,4.00,NOPE,', GOOD[2]].join('\n');
    expect((await check(manager, text)).status).toBe(200);
    const refused = await importCsv(manager, text);
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(/Row 3: tax_category: [^<]*NOPE/);
    expect(refused.text).toContain('Nothing was imported.');
    expect(await productList()).not.toContain('Scone');
  });

  it('imports a checked file as a manager, with prices in minor units', async () => {
    const text = [HEADER, ...GOOD].join('\n');
    const preview = await check(manager, text);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('No problems found.');
    expect(preview.text).toContain('Import 3 rows');
    expect(preview.text).toContain('€3.20');
    const done = await importCsv(manager, text);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Imported products.csv: 3 created, 0 updated, 0 unchanged.');
    const list = await productList();
    expect(list).toMatch(/Green tea<\/a> <span class="muted">SKU (TEA-L, TEA-S|TEA-S, TEA-L)<\/span>/);
    const small = (await html(await manager.get(`/tenants/${slug}/manage/products?q=TEA-S`))).text;
    expect(small).toMatch(/SKU TEA-S<\/span>.*?€2\.50/s);
    expect(list).toMatch(/Scone<\/a>.*?€1\.95/s);
  });

  it('updates existing SKUs as the owner; a row may leave an existing product’s name empty', async () => {
    const text = [HEADER, GOOD[0], 'TEA-L,,,,3.40,,tea', 'SCONE,,,,,,'].join('\n');
    const done = await importCsv(owner, text);
    expect(done.status, /<div class="banner error"[^]*?<\/div>/.exec(done.text)?.[0]).toBe(200);
    expect(done.text).toContain('0 created, 1 updated, 2 unchanged.');
    const search = (await html(await owner.get(`/tenants/${slug}/manage/products?q=TEA-L`))).text;
    expect(search).toContain('€3.40');
    const unknown = await check(owner, [HEADER, 'NEWONE,,,,1,FOOD,'].join('\n'));
    expect(unknown.status).toBe(200);
    expect(unknown.text).toContain(
      'Row 2: name is empty, and SKU NEWONE is not in the catalog yet: a new product needs a name.',
    );
  });

  it.each([
    [
      'binary',
      new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x01, 0x02]),
      'This is not a CSV text file.',
      400,
    ],
    [
      'a wrong header',
      'product,cost\nTea,1',
      'Row 1 is not the expected header: unknown columns “product”, “cost”.',
      400,
    ],
    ['a formula', `${HEADER}\n=cmd|' /C calc'!A0,Tea,,,1,FOOD,`, 'Row 2: sku “=cmd|', 200],
    ['an empty file', '', 'Choose a .csv file to check.', 400],
  ])('answers a hostile file (%s) with a clear message, never a 5xx', async (_, content, message, status) => {
    const answer = await check(owner, content);
    // A bad row is a preview with its problem (200); a bad file is refused (400). Neither imports.
    expect(answer.status).toBe(status);
    expect(answer.text).not.toContain('name="csv"');
    expect(answer.text).toContain(message);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const big = `${HEADER}\n${'X,Y,,,1,FOOD,\n'.repeat(170_000)}`;
    const answer = await check(owner, big);
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('The file is larger than 2 MB. Split it into smaller files.');
  });

  it('keeps the page to the account’s members, and to forms with the CSRF token', async () => {
    expect((await stranger.get(importPath)).status).toBe(404);
    expect(
      (
        await stranger.upload(
          importPath,
          { intent: 'check', file: file(HEADER) },
          { csrf: await stranger.csrf('/') },
        )
      ).status,
    ).toBe(404);
    const noToken = await owner.upload(importPath, { intent: 'check', file: file(HEADER) }, { csrf: null });
    expect(noToken.status).toBe(403);
  });
});
