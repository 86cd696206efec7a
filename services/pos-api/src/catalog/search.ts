// Catalog search without extensions (a tenant's database role can use only its own schema, so no
// pg_trgm or unaccent): built-in full text search and btree indexes.
//
//   exact barcode   variant.barcode = q                       unique btree
//   exact SKU       lower(variant.sku) = lower(q)             btree (lower(sku) text_pattern_ops)
//   SKU prefix      lower(variant.sku) like lower(q) || '%'   the same index
//   name words      variant.search_vector @@ 'w1':* & 'w2':*  GIN on a generated tsvector
//
// Names are folded once, here, in TypeScript: `variant.search_key` holds the product and variant
// name folded (lower case, accents dropped, punctuation as spaces) and PostgreSQL derives the
// tsvector from it with the `simple` configuration (no stemming, no stop words). Queries are folded
// by the same function, so both sides agree whatever the database's locale. Every query word is a
// prefix ("lat lar" finds "Latte Large"), and all words must match.
//
// Order and pages: exact barcode/SKU matches come first (on the first page only), then the other
// matches by search_key and id, paged by keyset (cursor = the last row's key and id), so a page
// never repeats or skips a row while the catalog does not change. Broad queries walk the
// (search_key, id) index and stop after a page; narrow ones use the GIN index and sort a few rows.
import { problem } from '../errors.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { catalogProblem } from './problems.ts';
import {
  decodeCursor,
  displayName,
  encodeCursor,
  priceLateral,
  storeCtes,
  tableOf,
  UUID_PATTERN,
  type StoreScope,
} from './sql.ts';

// Letters that do not decompose into a base letter and a combining mark.
const LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ħ: 'h',
  ı: 'i',
  ł: 'l',
  þ: 'th',
};
const SPECIAL_LETTERS = new RegExp(`[${Object.keys(LETTERS).join('')}]`, 'g');
// Only the combining diacritical marks of Latin, Greek and Cyrillic: marks that carry meaning in
// other scripts (Indic vowel signs) stay.
const DIACRITICS = /[\u0300-\u036f]/g;
// Whitespace, punctuation and symbols separate words; what remains are letters, digits and marks.
const SEPARATORS = /[\s\p{P}\p{S}]+/gu;

/** Lower case, without accents, words separated by single spaces: "Crème Brûlée, 0.5 L" → "creme brulee 0 5 l". */
export function foldForSearch(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(DIACRITICS, '')
    .replace(SPECIAL_LETTERS, (letter) => LETTERS[letter]!)
    .normalize('NFC')
    .replace(SEPARATORS, ' ')
    .trim();
}

/** What `variant.search_key` holds: the folded product and variant names. */
export function variantSearchKey(productName: string, variantName: string): string {
  return foldForSearch(`${productName} ${variantName}`);
}

/** A tsquery in which every word of `q` is a prefix, all required; null when `q` has no words. */
export function prefixTsQuery(q: string): string | null {
  const words = foldForSearch(q).split(' ').filter(Boolean);
  if (words.length === 0) return null;
  // Folded words hold no quotes, backslashes or operators; quoting keeps the tsquery syntax inert.
  return [...new Set(words)].map((word) => `'${word}':*`).join(' & ');
}

/** `lower(sku) like <this>`: the query's ASCII letters lowered (as PostgreSQL's lower in any locale), LIKE escaped. */
export function skuPrefixPattern(q: string): string {
  return `${lowerAscii(q).replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

const lowerAscii = (text: string) => text.replace(/[A-Z]/g, (char) => char.toLowerCase());

export type SearchMatch = 'barcode' | 'sku' | 'sku_prefix' | 'name';

export interface SearchHit {
  variantId: string;
  productId: string;
  sku: string;
  barcode: string | null;
  /** Product name, then the variant's ("Latte Large"). */
  name: string;
  productName: string;
  variantName: string;
  /** Product and variant both active. */
  active: boolean;
  match: SearchMatch;
  /** Minor units of `currency` in the scope's store (its own price, else the all-stores price). */
  unitPrice: number | null;
  currency: string;
  /** The store whose prices these are (null: the all-stores prices). */
  storeId: string | null;
}

export interface SearchQuery extends StoreScope {
  q: string;
  limit: number;
  cursor?: string;
  /** Managers in the portal see inactive products and variants too. */
  includeInactive?: boolean;
}

export interface SearchPage {
  items: SearchHit[];
  /** Cursor of the next page; null on the last one. */
  next: string | null;
}

interface SearchRow {
  store: { id: string; currency: string } | null;
  currency: string;
  items: {
    tier: number;
    key: string;
    variantId: string;
    productId: string;
    sku: string;
    barcode: string | null;
    productName: string;
    variantName: string;
    active: boolean;
    match: SearchMatch;
    amount: number | string | null;
  }[];
}

const EXACT_LIMIT = 10;
/** Rows the fast path looks at before leaving the page to the indexes (see searchCatalog). */
const SCAN_LIMIT = 5000;
/**
 * The same for a query with digits: nearly always a code (barcode, SKU, article number) that
 * matches a handful of rows, so a long walk would only be wasted. Either way the answer is the same.
 */
const CODE_SCAN_LIMIT = 200;

/** Searches variants by exact barcode, exact SKU, SKU prefix and name words. One query. */
export async function searchCatalog(
  ctx: RequestContext,
  query: SearchQuery,
  /** Tests shorten the walk to check that both strategies answer alike. */
  tuning: { scanLimit?: number } = {},
): Promise<SearchPage> {
  const q = query.q.trim();
  let after: string[] | undefined;
  if (query.cursor !== undefined) {
    after = decodeCursor(query.cursor, 2);
    if (!after || !UUID_PATTERN.test(after[1]!)) throw catalogProblem('invalid_cursor');
  }
  const variant = tableOf(ctx, 'variant');
  const product = tableOf(ctx, 'product');
  const tsQuery = prefixTsQuery(q);
  // Barcodes and SKUs hold no spaces: a query with spaces is words only.
  const code = /\s/.test(q) || q === '' ? null : q;
  const scope = storeCtes(ctx, query);

  // The name/SKU-prefix condition on a row alias, with its parameters.
  const matchOn = (alias: string) => ({
    sql: [
      ...(tsQuery ? [`${alias}.search_vector @@ to_tsquery('simple', ?)`] : []),
      ...(code ? [`lower(${alias}.sku) like ?`] : []),
    ].join(' or '),
    params: [...(tsQuery ? [tsQuery] : []), ...(code ? [skuPrefixPattern(code)] : [])],
  });
  // `sellable`: the variant and its product are active (kept on the variant by the catalog service,
  // so that no path of the search needs the product table).
  const activeOn = (alias: string) => (query.includeInactive ? '' : `and ${alias}.sellable`);
  const pageRows = query.limit + 1;
  const params: unknown[] = [...scope.params];
  const exactCte = code
    ? `exact as (
        select v.id, v.search_key from ${variant} v
        where (v.barcode = ? or lower(v.sku) = ?) ${activeOn('v')}
        order by v.search_key, v.id limit ${EXACT_LIMIT}
      )`
    : `exact as (select null::uuid as id, null::text as search_key where false)`;
  if (code) params.push(code, lowerAscii(code));

  // PostgreSQL cannot estimate how many rows a prefix tsquery matches (it assumes a fixed share), so
  // the plan is chosen here, inside one statement, by what the data says:
  //   fast  walks the (search_key, id) index in page order, index-only (it includes the tsvector,
  //         SKU, flags), and looks at most SCAN_LIMIT rows (CODE_SCAN_LIMIT for a query with
  //         digits): a broad query ("la") fills its page long before that;
  //   slow  only when fast did not fill the page: then the matches are rare (under page/SCAN_LIMIT
  //         of the catalog), so all of them are found with the GIN and SKU indexes (materialized:
  //         never an index walk) and sorted.
  // Both give exactly the first rows in (search_key, id) order after the cursor.
  const match = matchOn('v');
  const scanLimit = Math.trunc(tuning.scanLimit ?? (/\d/.test(q) ? CODE_SCAN_LIMIT : SCAN_LIMIT));
  const listedCte = match.sql
    ? `scanned as (
        select v.id, v.search_key, v.search_vector, v.sku, v.sellable from ${variant} v
        ${after ? 'where (v.search_key, v.id) > (?, ?::uuid)' : ''}
        order by v.search_key, v.id limit ${scanLimit}
      ),
      fast as (
        select v.id, v.search_key from scanned v
        where (${match.sql}) and v.id not in (select id from exact) ${activeOn('v')}
        order by v.search_key, v.id limit ?
      ),
      slow as materialized (
        select v.id, v.search_key from ${variant} v
        where (select count(*) from fast) < ?
          and (${match.sql}) and v.id not in (select id from exact) ${activeOn('v')}
          ${after ? 'and (v.search_key, v.id) > (?, ?::uuid)' : ''}
      ),
      listed as (
        select id, search_key from fast where (select count(*) from fast) >= ?
        union all
        (select id, search_key from slow order by search_key, id limit ?)
      )`
    : `listed as (select null::uuid as id, null::text as search_key where false)`;
  if (match.sql) {
    if (after) params.push(after[0], after[1]);
    params.push(...match.params, pageRows);
    params.push(pageRows, ...match.params);
    if (after) params.push(after[0], after[1]);
    params.push(pageRows, pageRows);
  }
  const exactHits = after ? '' : `select 0 as tier, id from exact union all `;
  const matchExpr = code
    ? `case when v.barcode = ? then 'barcode' when lower(v.sku) = ? then 'sku'
            when lower(v.sku) like ? then 'sku_prefix' else 'name' end`
    : `'name'`;
  if (code) params.push(code, lowerAscii(code), skuPrefixPattern(code));

  const [row] = await ctx.em.execute<SearchRow[]>(
    `with ${scope.sql}, ${exactCte}, ${listedCte},
      hits as (${exactHits}select 1 as tier, id from listed)
    select
      (select row_to_json(st) from st) as store,
      (select code from cur) as currency,
      coalesce((
        select json_agg(json_build_object(
          'tier', h.tier, 'key', v.search_key, 'variantId', v.id, 'productId', v.product_id,
          'sku', v.sku, 'barcode', v.barcode, 'productName', p.name, 'variantName', v.name,
          'active', v.sellable, 'match', ${matchExpr}, 'amount', pr.amount
        ) order by h.tier, v.search_key, v.id)
        from hits h
        join ${variant} v on v.id = h.id
        join ${product} p on p.id = v.product_id
        ${priceLateral(ctx)}
      ), '[]'::json) as items`,
    params, // in the order their placeholders appear in the text
  );
  if (!row) throw new Error('the search query returned no row');
  if (query.storeId && !row.store) throw problem('store_not_found', `there is no store ${query.storeId}`);

  const listed = row.items.filter((item) => item.tier === 1);
  const hasMore = listed.length > query.limit;
  const page = hasMore ? row.items.slice(0, row.items.length - 1) : row.items;
  const last = hasMore ? listed[query.limit - 1] : undefined;
  return {
    items: page.map((item) => ({
      variantId: item.variantId,
      productId: item.productId,
      sku: item.sku,
      barcode: item.barcode,
      name: displayName(item.productName, item.variantName),
      productName: item.productName,
      variantName: item.variantName,
      active: item.active,
      match: item.match,
      unitPrice: item.amount === null ? null : Number(item.amount),
      currency: row.currency,
      storeId: row.store?.id ?? null,
    })),
    next: last ? encodeCursor([last.key, last.variantId]) : null,
  };
}
