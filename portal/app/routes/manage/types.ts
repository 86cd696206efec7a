// The shapes the pages read from the POS API (its OpenAPI document at /docs/json is the source).
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Store {
  id: string;
  code: string;
  name: string;
  timezone: string;
  currency: string;
  closedAt: string | null;
  version: number;
}

export interface Register {
  id: string;
  name: string;
  code: string;
  storeId: string | null;
  revokedAt: string | null;
  lastSeenAt: string | null;
  createdAt: string;
}

export interface PairingCode {
  /** ABCD-EFGH: shown once. */
  code: string;
  expiresAt: string;
  storeId: string | null;
}

export interface Price {
  id: string;
  currency: string;
  storeId: string | null;
  amount: number;
  version: number;
}

export interface Variant {
  id: string;
  productId: string;
  name: string;
  sku: string;
  barcode: string | null;
  active: boolean;
  version: number;
  prices: Price[];
}

export interface Category {
  id: string;
  name: string;
  parentId: string | null;
  position: number;
  version: number;
}

export interface Product {
  id: string;
  name: string;
  description: string | null;
  categoryId: string | null;
  taxCategoryId: string;
  active: boolean;
  version: number;
  updatedAt: string;
  variants: Variant[];
}

export interface SearchHit {
  variantId: string;
  productId: string;
  sku: string;
  name: string;
  active: boolean;
  unitPrice: number | null;
  currency: string;
  /** The store whose prices these are; null: the all-stores prices. */
  storeId: string | null;
}

export interface TaxRate {
  id: string;
  code: string;
  name: string;
  rate: string;
  inclusive: boolean;
  active: boolean;
}

export interface TaxCategory {
  id: string;
  code: string;
  name: string;
  taxRateIds: string[];
}

export interface StaffMember {
  id: string;
  code: string;
  displayName: string;
  role: 'owner' | 'manager' | 'cashier';
  active: boolean;
  lockedUntil: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  action: string;
  outcome: string;
  actorStaffId: string | null;
  actorPortalUserId: string | null;
  actorRole: string | null;
  deviceId: string | null;
  targetType: string | null;
  targetId: string | null;
  amount: number | null;
}

export interface SaleSummary {
  id: string;
  kind: string;
  status: string;
  receiptNumber: string | null;
  total: number;
  currency: string;
  createdAt: string;
  completedAt: string | null;
}

/** GET /v1/settings: every group with its effective values (defaults where never changed). */
export interface TenantSettings {
  pricing: { mode: 'half-even' | 'half-up'; level: 'line' | 'document'; cashIncrement: number };
  sales: { discountLimitPercent: string };
  offline: {
    maxOfflineHours: number;
    maxSaleAmount: number;
    maxQueuedAmount: number;
    maxQueuedSales: number;
    tenders: ('cash' | 'external')[];
  };
  receipt: { header: string[]; footer: string[] };
}
