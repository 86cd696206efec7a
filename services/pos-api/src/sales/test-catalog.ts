// The catalog the checkout tests sell from: German VAT (19 % and 7 %, inclusive), three items.
import type pg from 'pg';

/** A small catalog, written as the catalog API would: German VAT, inclusive prices in EUR. */
export async function seedTestCatalog(sql: pg.Pool, schema: string): Promise<void> {
  await sql.query(`
    insert into "${schema}".tax_rate (id, code, name, rate, inclusive) values
      ('00000000-0000-4000-8000-000000000019', 'VAT19', 'MwSt 19%', 19, true),
      ('00000000-0000-4000-8000-000000000007', 'VAT7', 'MwSt 7%', 7, true);
    insert into "${schema}".tax_category (id, code, name, tax_rate_ids) values
      ('00000000-0000-4000-8000-0000000000c1', 'standard', 'Standard', '["00000000-0000-4000-8000-000000000019"]'),
      ('00000000-0000-4000-8000-0000000000c2', 'food', 'Food', '["00000000-0000-4000-8000-000000000007"]');
    insert into "${schema}".product (id, name, tax_category_id) values
      ('00000000-0000-4000-8000-0000000000a1', 'Mug', '00000000-0000-4000-8000-0000000000c1'),
      ('00000000-0000-4000-8000-0000000000a2', 'Bread', '00000000-0000-4000-8000-0000000000c2'),
      ('00000000-0000-4000-8000-0000000000a3', 'Pen', '00000000-0000-4000-8000-0000000000c1');
    insert into "${schema}".variant (id, product_id, sku, barcode) values
      ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000a1', 'MUG', '4006381333931'),
      ('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-0000000000a2', 'BREAD', null),
      ('00000000-0000-4000-8000-0000000000b3', '00000000-0000-4000-8000-0000000000a3', 'PEN', null);
    insert into "${schema}".price (id, variant_id, currency, amount) values
      (gen_random_uuid(), '00000000-0000-4000-8000-0000000000b1', 'EUR', 350),
      (gen_random_uuid(), '00000000-0000-4000-8000-0000000000b2', 'EUR', 200),
      (gen_random_uuid(), '00000000-0000-4000-8000-0000000000b3', 'EUR', 333);
  `);
}
