import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Variant } from './catalog.ts';
import { Store } from './store.ts';

export const STOCK_REASONS = ['sale', 'return', 'receive', 'count', 'transfer', 'waste', 'adjust'] as const;
export type StockReason = (typeof STOCK_REASONS)[number];

/**
 * The inventory ledger: every change of stock, per store and variant, with the client's time. Never
 * updated or deleted. A sale writes one row per line; stock may go negative (a sale is never refused
 * for stock) and is flagged by StockLevel.
 */
export const StockMovement = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movement',
  schema: '*',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    store: p.manyToOne(Store),
    variant: p.manyToOne(Variant),
    /** Signed, up to 3 decimals (weighed goods): -2 for two sold. */
    quantity: p.decimal('string').precision(14).scale(3),
    reason: p.enum(STOCK_REASONS),
    /** The sale or return that caused it. */
    saleId: p.uuid().nullable().index(),
    occurredAt: p.datetime(),
    recordedAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ properties: ['store', 'variant'] }],
});
export type StockMovement = InferEntity<typeof StockMovement>;

/** The running sum of the ledger per store and variant, kept in the same transaction as each movement. */
export const StockLevel = defineEntity({
  name: 'StockLevel',
  tableName: 'stock_level',
  schema: '*',
  properties: {
    store: p.manyToOne(Store).primary(),
    variant: p.manyToOne(Variant).primary(),
    onHand: p.decimal('string').precision(14).scale(3),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export type StockLevel = InferEntity<typeof StockLevel>;
