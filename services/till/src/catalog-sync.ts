// Copies what the till sells from into IndexedDB: tax rates, categories, every active variant
// priced for the register's store, and the tenant's settings the till applies offline (rounding,
// offline limits, the receipt's header and footer lines). A full resync each time (one transaction swaps the old copy for
// the new one, so a sync that fails half-way leaves the previous catalog whole).
import { api } from './api.ts';
import type { CatalogItem, Category, Register, TaxRate, TillDb } from './db.ts';
import { defaultOfflineLimits, type OfflineLimits } from './offline-limits.ts';

/** The tenant's settings a till needs without the network (GET /v1/settings, in part). */
export interface TillSettings {
  pricing: { mode: 'half-even' | 'half-up'; level: 'line' | 'document'; cashIncrement?: number };
  offline: OfflineLimits;
  /** The tenant's lines on every receipt, the till's own copy included (absent before a sync had them). */
  receipt?: ReceiptLines;
  /** The name and locale receipts print (read-only on the server). */
  profile?: { displayName: string; locale: string };
}

export interface ReceiptLines {
  header: string[];
  footer: string[];
}

/** What a register that never synced uses: the server's defaults. */
export const defaultTillSettings = (currency: string): TillSettings => ({
  pricing: { mode: 'half-even', level: 'line', cashIncrement: 1 },
  offline: defaultOfflineLimits(currency),
  receipt: { header: [], footer: [] },
});

interface ApiTaxRate extends TaxRate {
  active: boolean;
}
interface ApiTaxCategory {
  id: string;
  taxRateIds: string[];
}
interface ApiCategory {
  id: string;
  name: string;
  position: number;
  parentId: string | null;
}
interface ApiProduct {
  name: string;
  categoryId: string | null;
  taxCategoryId: string;
  active: boolean;
  variants: {
    id: string;
    name: string;
    sku: string;
    barcode: string | null;
    active: boolean;
    prices: { currency: string; storeId: string | null; amount: number }[];
  }[];
}

/** The price the server uses: the store's own, else the all-stores price, in the store's currency. */
export function priceInStore(
  prices: ApiProduct['variants'][number]['prices'],
  storeId: string,
  currency: string,
): number | null {
  const inCurrency = prices.filter((price) => price.currency === currency);
  return (
    inCurrency.find((price) => price.storeId === storeId)?.amount ??
    inCurrency.find((price) => price.storeId === null)?.amount ??
    null
  );
}

export async function syncCatalog(db: TillDb, register: Register, token: string): Promise<number> {
  // Lists come as { items, next }; these three come in one page.
  const [{ items: rates }, { items: taxCategories }, { items: categories }, settings] = await Promise.all([
    api<{ items: ApiTaxRate[] }>('/v1/catalog/tax-rates', { token }),
    api<{ items: ApiTaxCategory[] }>('/v1/catalog/tax-categories', { token }),
    api<{ items: ApiCategory[] }>('/v1/catalog/categories', { token }),
    api<TillSettings>('/v1/settings', { token }),
  ]);
  const activeRates = new Set(rates.filter((rate) => rate.active).map((rate) => rate.id));
  const ratesOf = new Map(
    taxCategories.map((category) => [category.id, category.taxRateIds.filter((id) => activeRates.has(id))]),
  );
  const items: CatalogItem[] = [];
  let cursor: string | null = null;
  do {
    const query: string = new URLSearchParams({
      limit: '100',
      active: 'true',
      ...(cursor ? { cursor } : {}),
    }).toString();
    const page: { items: ApiProduct[]; next: string | null } = await api(`/v1/catalog/products?${query}`, {
      token,
    });
    for (const product of page.items) {
      for (const variant of product.variants) {
        if (!variant.active) continue;
        const name = variant.name ? `${product.name} ${variant.name}` : product.name;
        items.push({
          variantId: variant.id,
          sku: variant.sku,
          barcode: variant.barcode,
          name,
          categoryId: product.categoryId,
          unitPrice: priceInStore(variant.prices, register.storeId, register.tenant.currency),
          taxRateIds: ratesOf.get(product.taxCategoryId) ?? [],
          searchText: `${name} ${variant.sku}`.toLowerCase(),
        });
      }
    }
    cursor = page.next;
  } while (cursor);

  const tx = db.transaction(['products', 'categories', 'taxRates', 'meta'], 'readwrite');
  await Promise.all([
    tx.objectStore('products').clear(),
    tx.objectStore('categories').clear(),
    tx.objectStore('taxRates').clear(),
  ]);
  await Promise.all([
    ...items.map((item) => tx.objectStore('products').put(item)),
    ...categories.map((category) =>
      tx.objectStore('categories').put({
        id: category.id,
        name: category.name,
        position: category.position,
        parentId: category.parentId,
      }),
    ),
    ...rates.map(({ id, code, name, rate, inclusive }) =>
      tx.objectStore('taxRates').put({ id, code, name, rate, inclusive }),
    ),
    tx.objectStore('meta').put(
      {
        pricing: {
          mode: settings.pricing.mode,
          level: settings.pricing.level,
          cashIncrement: settings.pricing.cashIncrement ?? 1,
        },
        offline: settings.offline,
        receipt: { header: settings.receipt?.header ?? [], footer: settings.receipt?.footer ?? [] },
        ...(settings.profile ? { profile: settings.profile } : {}),
      },
      'settings',
    ),
    tx.objectStore('meta').put(new Date().toISOString(), 'catalogSyncedAt'),
  ]);
  await tx.done;
  return items.length;
}

export interface LocalCatalog {
  items: CatalogItem[];
  categories: Category[];
  taxRates: Map<string, TaxRate>;
  settings: TillSettings;
}

/** The settings kept by the last sync, else the server's defaults. */
export async function loadSettings(db: TillDb, currency: string): Promise<TillSettings> {
  return ((await db.get('meta', 'settings')) as TillSettings | undefined) ?? defaultTillSettings(currency);
}

export async function loadCatalog(db: TillDb, currency: string): Promise<LocalCatalog> {
  const [items, categories, rates, settings] = await Promise.all([
    db.getAll('products'),
    db.getAll('categories'),
    db.getAll('taxRates'),
    loadSettings(db, currency),
  ]);
  items.sort((a, b) => a.name.localeCompare(b.name));
  categories.sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
  return { items, categories, taxRates: new Map(rates.map((rate) => [rate.id, rate])), settings };
}
