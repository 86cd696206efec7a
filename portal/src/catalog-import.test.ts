// The CSV → bulk items mapping of the product import (app/catalog-import.ts): a table of files and
// what the import makes of them, rows numbered as in the file.
import { describe, expect, it } from 'vitest';
import { columnOfPath, decodeCsv, parseImportCsv, rowOfPath, templateCsv } from '../app/catalog-import.ts';

const HEADER = 'sku,name,variant,barcode,price,tax_category,external_id';
const csv = (...lines: string[]) => [HEADER, ...lines].join('\n');

describe('CSV → bulk items', () => {
  it('maps rows to items with prices in minor units, leaving empty cells out', () => {
    const parsed = parseImportCsv(
      csv(
        'LATTE-S,Latte,Small,4006381333931,3.50,FOOD,latte',
        'LATTE-L,Latte,Large,,"4,20",FOOD,latte',
        'MUG,,,,,,',
      ),
      'EUR',
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.items).toEqual([
      {
        sku: 'LATTE-S',
        name: 'Small',
        barcode: '4006381333931',
        prices: [{ amount: 350 }],
        product: { name: 'Latte', externalId: 'latte', taxCategoryCode: 'FOOD' },
      },
      {
        sku: 'LATTE-L',
        name: 'Large',
        prices: [{ amount: 420 }],
        product: { name: 'Latte', externalId: 'latte', taxCategoryCode: 'FOOD' },
      },
      { sku: 'MUG', product: {} },
    ]);
    expect(parsed.rows.map((row) => row.row)).toEqual([2, 3, 4]);
  });

  it('reads columns in any order, a BOM, semicolons and yen without decimals', () => {
    const parsed = parseImportCsv('\uFEFFPrice;SKU;Name\r\n350;TEA;Tea\r\n\r\n120;"A;B";Odd\r\n', 'JPY');
    expect(parsed.errors).toEqual([]);
    expect(parsed.items).toEqual([
      { sku: 'TEA', prices: [{ amount: 350 }], product: { name: 'Tea' } },
      { sku: 'A;B', prices: [{ amount: 120 }], product: { name: 'Odd' } },
    ]);
    // The blank line still counts: row numbers are the file's lines.
    expect(parsed.rows.map((row) => row.row)).toEqual([2, 4]);
  });

  it.each([
    ['LATTE,Latte,,,3.505,,', 'Row 2: price “3.505” is not an amount in EUR, such as 3.50.'],
    ['LATTE,Latte,,,-3,,', 'Row 2: price “-3” looks like a spreadsheet formula; remove the leading “-”.'],
    [
      '=cmd|calc,Latte,,,,,',
      'Row 2: sku “=cmd|calc” looks like a spreadsheet formula; remove the leading “=”.',
    ],
    [',Latte,,,1,,', 'Row 2: sku is empty.'],
    ['LAT TE,Latte,,,1,,', 'Row 2: sku must be 1 to 64 characters without spaces.'],
    [
      'LATTE,Latte,,,1,V A T,',
      'Row 2: tax_category “V A T” is not a tax category code (letters, digits, - _ .).',
    ],
    ['LATTE,Latte,1', 'Row 2: it has 3 cells where the header has 7.'],
    [`LATTE,${'x'.repeat(201)},,,,,`, 'Row 2: name is longer than 200 characters.'],
  ])('explains a bad row: %s', (line, message) => {
    expect(parseImportCsv(csv(line), 'EUR').errors).toEqual([{ row: 2, message }]);
  });

  it('lets a variant row leave its product’s name and tax category to its group', () => {
    const parsed = parseImportCsv(csv('A,Tea,Small,,1,FOOD,tea', 'B,,Large,,2,,tea'), 'EUR');
    expect(parsed.errors).toEqual([]);
    expect(parsed.items[1]?.product).toEqual({ name: 'Tea', externalId: 'tea', taxCategoryCode: 'FOOD' });
  });

  it('finds rows that contradict each other, naming both rows', () => {
    const parsed = parseImportCsv(
      csv(
        'A,Tea,,111,1,,',
        'B,Tea,,222,1,,',
        'A,Tea again,,111,1,,',
        'C,Cake,,,1,FOOD,cake',
        'D,Pie,,,1,FOOD,cake',
      ),
      'EUR',
    );
    expect(parsed.errors).toEqual([
      { row: 4, message: 'Row 4: SKU A is also on row 2; barcode 111 is also on row 2.' },
      { row: 6, message: 'Row 6: external_id cake is also on row 5 with another name or tax category.' },
    ]);
  });

  it.each([
    ['', 'The file is empty. Start from the template: a header row, then one row per product.'],
    [HEADER, 'The file has a header but no products.'],
    [
      'name,price,colour\nTea,1,red',
      'Row 1 is not the expected header: unknown column “colour”. The columns are sku, name, variant, barcode, price, tax_category, external_id.',
    ],
    [
      'name,price\nTea,1',
      'Row 1 has no “sku” column. The columns are sku, name, variant, barcode, price, tax_category, external_id.',
    ],
    ['sku,SKU\nA,B', 'Row 1 names the column “sku” twice.'],
    ['sku,name\nA,"Tea', 'Row 2: the file is not valid CSV (a quote is never closed).'],
    [
      `sku\n${'A\n'.repeat(5001)}`,
      'The file has 5001 rows of products; at most 5000 per file. Split it into smaller files.',
    ],
  ])('refuses a file as a whole: %#', (text, message) => {
    const parsed = parseImportCsv(text, 'EUR');
    expect(parsed.errors).toEqual([{ row: null, message }]);
    expect(parsed.items).toEqual([]);
  });

  it('refuses binary, non-UTF-8 and oversized files before parsing', () => {
    expect(decodeCsv(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))).toEqual({
      row: null,
      message: 'This is not a CSV text file. Save the sheet as “CSV UTF-8” and choose that file.',
    });
    expect(decodeCsv(new Uint8Array([0x73, 0x6b, 0x75, 0x0a, 0xe9, 0x0a]))).toMatchObject({
      message: 'The file is not UTF-8 text. Save the sheet as “CSV UTF-8” and choose that file.',
    });
    expect(decodeCsv(new Uint8Array(2 * 1024 * 1024 + 1).fill(0x41))).toMatchObject({
      message: 'The file is larger than 2 MB. Split it into smaller files.',
    });
    expect(decodeCsv(new TextEncoder().encode('sku\nCAFÉ'))).toBe('sku\nCAFÉ');
  });

  it('maps an API error path back to the row and column of the file', () => {
    const { rows } = parseImportCsv(csv(...Array.from({ length: 1002 }, (_, i) => `S${i},N,,,1,,`)), 'EUR');
    expect(rowOfPath('/items/1/sku', rows, 1000)?.row).toBe(1003);
    expect(rowOfPath('/items/0/product/taxCategoryCode', rows, 0)?.row).toBe(2);
    expect(rowOfPath('/body', rows, 0)).toBeUndefined();
    expect(columnOfPath('/items/0/product/taxCategoryCode')).toBe('tax_category');
    expect(columnOfPath('/items/0/prices/0/storeId')).toBe('price');
    expect(columnOfPath('/items/0/barcode')).toBe('barcode');
  });

  it('offers a template the import reads without errors', () => {
    for (const currency of ['EUR', 'JPY']) {
      const parsed = parseImportCsv(templateCsv(currency), currency);
      expect(parsed.errors).toEqual([]);
      expect(parsed.items).toHaveLength(2);
    }
    expect(parseImportCsv(templateCsv('EUR'), 'EUR').items[0]?.prices).toEqual([{ amount: 350 }]);
    expect(parseImportCsv(templateCsv('JPY'), 'JPY').items[0]?.prices).toEqual([{ amount: 350 }]);
  });
});
