// A CSV file of products as items of the POS API's bulk upsert (POST /v1/catalog/bulk): pure, so the
// whole mapping (decoding, header, cells, prices in minor units, rows that contradict each other) is
// table-tested, and the action only adds what needs the API (names of SKUs that already exist).
// Row numbers are the file's lines, the header being row 1, so a person finds them in a spreadsheet.
import { CsvError, parse } from 'csv-parse/sync';
import { minorDigits, moneyInput, parseMoney } from './money.ts';

export const IMPORT_COLUMNS = [
  'sku',
  'name',
  'variant',
  'barcode',
  'price',
  'tax_category',
  'external_id',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export const IMPORT_LIMITS = { bytes: 2 * 1024 * 1024, rows: 5000, shownErrors: 100 } as const;
/** The bulk endpoint's limit per call (MAX_BULK_ITEMS in the POS API). */
export const BULK_CHUNK = 1000;

/** The item the bulk endpoint takes (its BulkItemSchema), with the product name still open for rows without one. */
export interface ImportItem {
  sku: string;
  name?: string;
  barcode?: string;
  prices?: { amount: number }[];
  product: { name?: string; externalId?: string; taxCategoryCode?: string };
}

export interface ImportRow {
  /** The line in the file (the header is row 1). */
  row: number;
  sku: string;
  name: string;
  variant: string;
  barcode: string;
  /** Minor units; null when the cell is empty (the price stays as it is). */
  price: number | null;
  taxCategory: string;
  externalId: string;
}

export interface RowError {
  /** null for the file as a whole. */
  row: number | null;
  message: string;
}

export interface ParsedImport {
  rows: ImportRow[];
  items: ImportItem[];
  errors: RowError[];
}

/** A template a person can fill in: the header and two example rows, one of them a second variant. */
export function templateCsv(currency: string): string {
  // 3.50 in two-decimal currencies, 350 where there are no decimals (yen).
  const digits = minorDigits(currency);
  const price = (cents: number) => moneyInput(digits === 0 ? cents : cents * 10 ** (digits - 2), currency);
  return [
    IMPORT_COLUMNS.join(','),
    `LATTE-S,Latte,Small,4006381333931,${price(350)},FOOD,latte`,
    `LATTE-L,Latte,Large,,${price(420)},FOOD,latte`,
  ].join('\r\n');
}

/** Cells a spreadsheet would run as a formula when the file is opened again (CSV injection). */
const FORMULA = /^[=+\-@\t\r]/;
const NO_SPACES = /^[^\s]{1,64}$/;
const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

const fileError = (message: string): ParsedImport => ({
  rows: [],
  items: [],
  errors: [{ row: null, message }],
});

/** Bytes of an uploaded file as text: UTF-8 only, and no binary. */
export function decodeCsv(bytes: Uint8Array): string | RowError {
  if (bytes.byteLength > IMPORT_LIMITS.bytes)
    return {
      row: null,
      message: `The file is larger than ${IMPORT_LIMITS.bytes / 1024 / 1024} MB. Split it into smaller files.`,
    };
  if (bytes.includes(0))
    return {
      row: null,
      message: 'This is not a CSV text file. Save the sheet as “CSV UTF-8” and choose that file.',
    };
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return {
      row: null,
      message: 'The file is not UTF-8 text. Save the sheet as “CSV UTF-8” and choose that file.',
    };
  }
}

/** A CSV text as bulk items, with every problem by row; items are only meaningful when errors is empty. */
export function parseImportCsv(text: string, currency: string): ParsedImport {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '')
    return fileError('The file is empty. Start from the template: a header row, then one row per product.');
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  // Spreadsheets in decimal-comma locales save CSV with semicolons.
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(body, {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: 64 * 1024,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      return fileError(
        `${line ? `Row ${line}: ` : ''}the file is not valid CSV (${error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quote is never closed' : error.message.replace(/^Invalid [^:]*: /, '')}).`,
      );
    }
    throw error;
  }
  const [header, ...data] = records;
  if (!header) return fileError('The file is empty.');
  const names = header.record.map((cell) => cell.trim().toLowerCase());
  const unknown = names.filter((name) => !(IMPORT_COLUMNS as readonly string[]).includes(name));
  const columnList = IMPORT_COLUMNS.join(', ');
  if (unknown.length > 0)
    return fileError(
      `Row 1 is not the expected header: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `“${name.slice(0, 40)}”`).join(', ')}. The columns are ${columnList}.`,
    );
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) return fileError(`Row 1 names the column “${twice}” twice.`);
  if (!names.includes('sku')) return fileError(`Row 1 has no “sku” column. The columns are ${columnList}.`);
  if (data.length === 0) return fileError('The file has a header but no products.');
  if (data.length > IMPORT_LIMITS.rows)
    return fileError(
      `The file has ${data.length} rows of products; at most ${IMPORT_LIMITS.rows} per file. Split it into smaller files.`,
    );

  const rows: ImportRow[] = [];
  const items: ImportItem[] = [];
  const errors: RowError[] = [];
  const skus = new Map<string, number>();
  const barcodes = new Map<string, number>();
  const products = new Map<string, { row: number; name: string; taxCategory: string }>();

  for (const { record, info } of data) {
    const row = info.lines;
    const problems: string[] = [];
    if (record.length !== names.length)
      problems.push(
        `it has ${record.length} cell${record.length === 1 ? '' : 's'} where the header has ${names.length}`,
      );
    const formulas = new Set<ImportColumn>();
    const cell = (column: ImportColumn) => {
      const index = names.indexOf(column);
      const value = index < 0 ? '' : (record[index] ?? '').trim();
      if (FORMULA.test(value)) {
        problems.push(
          `${column} “${value.slice(0, 20)}” looks like a spreadsheet formula; remove the leading “${value[0]}”`,
        );
        formulas.add(column);
        return '';
      }
      return value;
    };
    const parsed: ImportRow = {
      row,
      sku: cell('sku'),
      name: cell('name'),
      variant: cell('variant'),
      barcode: cell('barcode'),
      price: null,
      taxCategory: cell('tax_category'),
      externalId: cell('external_id'),
    };
    const priceText = cell('price');

    if (parsed.sku === '') {
      if (!formulas.has('sku')) problems.push('sku is empty');
    } else if (!NO_SPACES.test(parsed.sku)) problems.push('sku must be 1 to 64 characters without spaces');
    else {
      const seen = skus.get(parsed.sku);
      if (seen !== undefined) problems.push(`SKU ${parsed.sku} is also on row ${seen}`);
      else skus.set(parsed.sku, row);
    }
    if (parsed.name.length > 200) problems.push('name is longer than 200 characters');
    if (parsed.variant.length > 100) problems.push('variant is longer than 100 characters');
    if (parsed.barcode !== '') {
      if (!NO_SPACES.test(parsed.barcode)) problems.push('barcode must be 1 to 64 characters without spaces');
      else {
        const seen = barcodes.get(parsed.barcode);
        if (seen !== undefined) problems.push(`barcode ${parsed.barcode} is also on row ${seen}`);
        else barcodes.set(parsed.barcode, row);
      }
    }
    if (priceText !== '') {
      const amount = parseMoney(priceText, currency);
      if (amount === undefined)
        problems.push(`price “${priceText.slice(0, 20)}” is not an amount in ${currency}, such as 3.50`);
      else parsed.price = amount;
    }
    if (parsed.taxCategory !== '' && !CODE.test(parsed.taxCategory))
      problems.push(
        `tax_category “${parsed.taxCategory.slice(0, 40)}” is not a tax category code (letters, digits, - _ .)`,
      );
    if (parsed.externalId.length > 100) problems.push('external_id is longer than 100 characters');
    if (parsed.externalId !== '') {
      // The API groups variants by external id and wants each product described the same way: an
      // empty name or tax category takes the group's, a different one is a mistake.
      const group = products.get(parsed.externalId);
      if (!group)
        products.set(parsed.externalId, { row, name: parsed.name, taxCategory: parsed.taxCategory });
      else {
        const differs = (a: string, b: string) => a !== '' && b !== '' && a !== b;
        if (differs(group.name, parsed.name) || differs(group.taxCategory, parsed.taxCategory))
          problems.push(
            `external_id ${parsed.externalId} is also on row ${group.row} with another name or tax category`,
          );
        group.name ||= parsed.name;
        group.taxCategory ||= parsed.taxCategory;
      }
    }
    if (problems.length > 0) errors.push({ row, message: `Row ${row}: ${problems.join('; ')}.` });
    rows.push(parsed);
    items.push({
      sku: parsed.sku,
      ...(parsed.variant ? { name: parsed.variant } : {}),
      ...(parsed.barcode ? { barcode: parsed.barcode } : {}),
      ...(parsed.price === null ? {} : { prices: [{ amount: parsed.price }] }),
      product: {
        ...(parsed.name ? { name: parsed.name } : {}),
        ...(parsed.externalId ? { externalId: parsed.externalId } : {}),
        ...(parsed.taxCategory ? { taxCategoryCode: parsed.taxCategory } : {}),
      },
    });
  }
  for (const item of items) {
    const group = item.product.externalId === undefined ? undefined : products.get(item.product.externalId);
    if (group?.name) item.product.name = group.name;
    if (group?.taxCategory) item.product.taxCategoryCode = group.taxCategory;
  }
  return { rows, items, errors };
}

/** The row of an item (its index in the whole file) named by an API error path such as /items/3/sku. */
export function rowOfPath(
  path: string,
  rows: readonly ImportRow[],
  chunkStart: number,
): ImportRow | undefined {
  const match = /^\/items\/(\d+)(?:\/(.*))?$/.exec(path);
  return match ? rows[chunkStart + Number(match[1])] : undefined;
}

/** What an API field path means in the file's words. */
export function columnOfPath(path: string): string {
  const rest = /^\/items\/\d+\/(.*)$/.exec(path)?.[1] ?? '';
  if (rest.startsWith('prices')) return 'price';
  if (rest.startsWith('product/taxCategory')) return 'tax_category';
  if (rest === 'product/externalId') return 'external_id';
  if (rest === 'product/name') return 'name';
  if (rest === 'name') return 'variant';
  return rest.split('/')[0] || 'row';
}
