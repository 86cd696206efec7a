import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Variant } from './catalog.ts';
import { Store } from './store.ts';

// Sales and returns as they were committed: every amount is the rounded figure the pricing engine
// produced at commit time, stored and never recomputed. A return is a sale of kind `return` linked
// to its original; its lines point at the original lines, whose refundedQuantity is raised under a
// row lock so that two refunds can never return more than was sold.

export const SALE_STATUSES = ['open', 'completed', 'voided'] as const;
export const SALE_KINDS = ['sale', 'return', 'unreceipted_return'] as const;

export const Sale = defineEntity({
  name: 'Sale',
  tableName: 'sale',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    kind: p.enum(SALE_KINDS),
    status: p.enum(SALE_STATUSES),
    store: p.manyToOne(Store),
    /** The receipt number: per register (the till, deviceId), gapless, given when the sale completes. */
    receiptNumber: p.bigint('number').nullable(),
    /** The register's code when the sale was made (T1), part of the printed number. */
    registerCode: p.string().length(16).nullable(),
    /** As printed and scanned: MAIN-T1-000042 (older sales: MAIN-000042). */
    receiptLabel: p.string().length(80).nullable().unique(),
    originalSaleId: p.uuid().nullable().index(),
    deviceId: p.uuid().nullable(),
    staffId: p.uuid().nullable(),
    customerId: p.uuid().nullable(),
    currency: p.string().length(3),
    /** half-even | half-up, line | document: how this sale was priced. */
    roundingMode: p.string().length(16),
    roundingLevel: p.string().length(16),
    subtotal: p.bigint('number'),
    discountTotal: p.bigint('number'),
    taxTotal: p.bigint('number'),
    /** Tax included in the prices (part of subtotal); the rest of taxTotal was added on top. */
    inclusiveTaxTotal: p.bigint('number'),
    total: p.bigint('number'),
    /** Cash rounding (e.g. to 0.05): what was not paid or given back because coins do not exist. */
    cashRounding: p.bigint('number').default(0),
    /** What the request asked for (order discounts, note), to resume a parked sale. */
    request: p.json<Record<string, unknown>>(),
    note: p.string().length(500).nullable(),
    clientCreatedAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    completedAt: p.datetime().nullable(),
    version: p.integer().version(),
  },
  uniques: [{ properties: ['deviceId', 'receiptNumber'] }],
  // completedAt: the day's figures (GET /v1/sales/summary) count what completed in a window.
  indexes: [{ properties: ['status', 'createdAt'] }, { properties: ['status', 'completedAt'] }],
});
export type Sale = InferEntity<typeof Sale>;

export const SaleLine = defineEntity({
  name: 'SaleLine',
  tableName: 'sale_line',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    sale: p.manyToOne(Sale),
    position: p.integer(),
    // Indexed: the catalog asks whether a variant was ever sold before it deletes it.
    variant: p.manyToOne(Variant).nullable().index(),
    /** What was sold, as it was called then. */
    sku: p.string().length(64),
    name: p.string().length(300),
    quantity: p.decimal('string').precision(14).scale(3),
    unitPrice: p.bigint('number'),
    gross: p.bigint('number'),
    discountTotal: p.bigint('number'),
    net: p.bigint('number'),
    taxTotal: p.bigint('number'),
    total: p.bigint('number'),
    /** Per tax rate: [{ taxRateId, code, amount, inclusive }]. */
    taxes: p.json<{ taxRateId: string; code: string; amount: number; inclusive: boolean }[]>(),
    /** Sale lines: how much of it was returned so far (raised under a row lock). */
    refundedQuantity: p.decimal('string').precision(14).scale(3).default('0'),
    /** Return lines: the line of the original sale this one returns. */
    originalLineId: p.uuid().nullable(),
    restock: p.boolean().nullable(),
  },
  indexes: [{ properties: ['sale', 'position'] }],
});
export type SaleLine = InferEntity<typeof SaleLine>;

/** A sale's total per tax rate, as rounded at commit (what tax reports add up). */
export const SaleTax = defineEntity({
  name: 'SaleTax',
  tableName: 'sale_tax',
  schema: '*',
  properties: {
    sale: p.manyToOne(Sale).primary(),
    taxRateId: p.uuid().primary(),
    code: p.string().length(32),
    name: p.string().length(100),
    rate: p.decimal('string').precision(9).scale(6),
    inclusive: p.boolean(),
    base: p.bigint('number'),
    amount: p.bigint('number'),
  },
});
export type SaleTax = InferEntity<typeof SaleTax>;

export const PAYMENT_METHODS = ['cash', 'card', 'external'] as const;
export const PAYMENT_STATUSES = ['pending', 'succeeded', 'failed', 'canceled'] as const;

/**
 * One tender of a sale (split tender: several). Refunds are negative amounts on the return. Card
 * payments hold only the provider's reference: card data never reaches CloudPOS.
 */
export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payment',
  schema: '*',
  properties: {
    id: p.uuid().primary(),
    sale: p.manyToOne(Sale),
    /** The order the tenders were given in (receipts list them so). */
    position: p.integer().default(0),
    method: p.enum(PAYMENT_METHODS),
    status: p.enum(PAYMENT_STATUSES),
    amount: p.bigint('number'),
    /** Cash: what the customer handed over, and the change given. */
    tendered: p.bigint('number').nullable(),
    change: p.bigint('number').nullable(),
    /** External tenders: "Voucher", "Bank transfer"... */
    label: p.string().length(100).nullable(),
    provider: p.string().length(32).nullable(),
    providerRef: p.string().length(255).nullable().unique(),
    /** The payment this refund gives back. */
    refundOfPaymentId: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export type Payment = InferEntity<typeof Payment>;

/** Receipt numbers per store, taken with a row lock in the sale's transaction: no gaps, no twins. */
/** A register's (till's) last receipt number: row-locked while a sale of that register commits. */
export const RegisterCounter = defineEntity({
  name: 'RegisterCounter',
  tableName: 'register_counter',
  schema: '*',
  properties: {
    deviceId: p.uuid().primary(),
    last: p.bigint('number').default(0),
  },
});
export type RegisterCounter = InferEntity<typeof RegisterCounter>;

/** A number a register skipped (a sale it numbered offline has not arrived, or never will): flagged, not hidden. */
export const ReceiptGap = defineEntity({
  name: 'ReceiptGap',
  tableName: 'receipt_gap',
  schema: '*',
  properties: {
    deviceId: p.uuid().primary(),
    number: p.bigint('number').primary(),
    detectedAt: p.datetime().defaultRaw('now()'),
  },
});
export type ReceiptGap = InferEntity<typeof ReceiptGap>;

/**
 * A mutating call's idempotency key (the till sends a UUID per sale). The primary key decides: the
 * same key with the same request hash returns the stored response; with another hash it is refused.
 */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_key',
  schema: '*',
  properties: {
    key: p.string().length(100).primary(),
    /** The operation (e.g. `POST /v1/sales`): a key is never valid for another one. */
    operation: p.string().length(100),
    requestHash: p.string().length(64),
    statusCode: p.integer(),
    response: p.json<unknown>(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
export type IdempotencyKey = InferEntity<typeof IdempotencyKey>;
