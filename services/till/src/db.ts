// Everything the till keeps in the browser, in one IndexedDB database: the register's pairing,
// the synced catalog, staff sessions, local sales and the outbox of sales the server has not
// confirmed yet. A sale and its outbox entry are written in one transaction (outbox.ts).
import type { ReceiptSaleLine, ReceiptSaleTax, ReceiptTotals } from '@cloudpos/receipts';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CheckoutTender } from './tenders.ts';

export interface Register {
  deviceId: string;
  deviceSecret: string;
  name: string;
  /** The register code in receipt numbers (T1). */
  code: string;
  storeId: string;
  storeCode: string;
  storeName: string;
  tenant: { slug: string; currency: string; timezone: string };
  pairedAt: string;
}

export interface CatalogItem {
  variantId: string;
  sku: string;
  barcode: string | null;
  name: string;
  categoryId: string | null;
  /** Minor units in the register's store, or null when the item has no price there. */
  unitPrice: number | null;
  taxRateIds: string[];
  /** Lower-case name and SKU, for search as you type. */
  searchText: string;
}

export interface Category {
  id: string;
  name: string;
  position: number;
  /** The top-level category it sits under (absent in catalogs synced before subcategories). */
  parentId?: string | null;
}

export interface TaxRate {
  id: string;
  code: string;
  name: string;
  rate: string;
  inclusive: boolean;
}

export interface StoredSession {
  staffId: string;
  staffCode: string;
  displayName: string;
  role: 'owner' | 'manager' | 'cashier';
  accessToken: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
}

export interface CheckoutLine {
  sku: string;
  quantity: string;
  /** A price other than the catalog's (price.override). */
  unitPrice?: number;
  discount?: { percent?: string; fixed?: number };
}

export type Tender = CheckoutTender;

/** The body of POST /v1/sales exactly as the till sends it (and re-sends it on replay). */
export interface CheckoutBody {
  lines: CheckoutLine[];
  /** On the whole sale. */
  discount?: { percent: string };
  tenders: Tender[];
  receiptNumber: number;
  clientCreatedAt: string;
  /** The parked sale this sale completes, and its note. */
  resumeSaleId?: string;
  note?: string;
}

export interface LocalSale {
  /** The client's UUID: the Idempotency-Key of the commit. */
  key: string;
  receiptNumber: number;
  receiptLabel: string;
  staffId: string;
  body: CheckoutBody;
  /** The line names and totals the till computed (the receipt printed offline). */
  display: {
    lines: { name: string; quantity: string; total: number }[];
    total: number;
    change: number;
    /** How it was paid, as the receipt lists it (absent on sales made before split tender). */
    payments?: { label: string; amount: number }[];
    /** The priced figures a receipt prints, for ESC/POS offline (absent on older sales). */
    receipt?: ReceiptFigures;
  };
  status: 'queued' | 'synced' | 'needs-attention';
  serverSaleId?: string;
  createdAt: string;
}

/** A sale's figures as checkout stores them (escpos.ts renders the receipt from them offline). */
export interface ReceiptFigures {
  lines: ReceiptSaleLine[];
  taxes: ReceiptSaleTax[];
  totals: Omit<ReceiptTotals, 'cashRounding'>;
}

export interface OutboxEntry {
  receiptNumber: number;
  key: string;
  staffId: string;
  body: CheckoutBody;
  approvalIds: string[];
  createdAt: string;
  attempts: number;
  lastError?: string;
}

export interface AttentionEntry {
  key: string;
  receiptNumber: number;
  reason: string;
  code: string;
  entry: OutboxEntry;
  at: string;
}

interface TillSchema extends DBSchema {
  meta: { key: string; value: unknown };
  products: { key: string; value: CatalogItem; indexes: { barcode: string; sku: string } };
  categories: { key: string; value: Category };
  taxRates: { key: string; value: TaxRate };
  sessions: { key: string; value: StoredSession };
  sales: { key: string; value: LocalSale; indexes: { receiptNumber: number } };
  outbox: { key: number; value: OutboxEntry };
  attention: { key: string; value: AttentionEntry };
}

export type TillDb = IDBPDatabase<TillSchema>;

export function openTillDb(name = 'cloudpos-till'): Promise<TillDb> {
  return openDB<TillSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('meta');
      const products = db.createObjectStore('products', { keyPath: 'variantId' });
      products.createIndex('barcode', 'barcode');
      products.createIndex('sku', 'sku', { unique: true });
      db.createObjectStore('categories', { keyPath: 'id' });
      db.createObjectStore('taxRates', { keyPath: 'id' });
      db.createObjectStore('sessions', { keyPath: 'staffId' });
      db.createObjectStore('sales', { keyPath: 'key' }).createIndex('receiptNumber', 'receiptNumber');
      // Keyed by receipt number: replay goes in the order the register numbered its sales.
      db.createObjectStore('outbox', { keyPath: 'receiptNumber' });
      db.createObjectStore('attention', { keyPath: 'key' });
    },
  });
}

export async function getRegister(db: TillDb): Promise<Register | undefined> {
  return (await db.get('meta', 'register')) as Register | undefined;
}
