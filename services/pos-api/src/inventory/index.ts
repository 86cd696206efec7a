// Inventory: the one owner of stock movements (an append-only ledger) and stock levels (its running
// sum per store and variant). Sales and returns move stock through here, in their own transaction;
// counts, transfers and receiving will too. Negative stock is reported, never refused: a shop that
// sells what the system thinks it lacks is right about its shelf.
import { query, statementText, tableOf } from '../db/sql.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { quantityText } from '../quantity.ts';

export type MovementReason = 'sale' | 'return';

export interface StockMove {
  variantId: string;
  sku: string;
  /** Untracked variants are skipped. */
  trackStock: boolean;
  /** In thousandths of a unit: negative leaves the shelf. */
  quantity: bigint;
}

export interface StockMovement {
  storeId: string;
  /** The sale or return that moved the stock. */
  saleId: string;
  reason: MovementReason;
  at: Date;
  moves: StockMove[];
}

export interface NegativeStock {
  sku: string;
  onHand: string;
}

const moveText = statementText();

/**
 * Writes one ledger row per tracked move and updates the levels, in `ctx`'s transaction; answers
 * the variants whose level went below zero, in the order of the moves.
 */
export async function moveStock(ctx: RequestContext, movement: StockMovement): Promise<NegativeStock[]> {
  const tracked = movement.moves.filter((move) => move.trackStock && move.quantity !== 0n);
  if (tracked.length === 0) return [];
  const variantIds = tracked.map((move) => move.variantId);
  const quantities = tracked.map((move) => quantityText(move.quantity));
  // The ledger rows and the levels in one statement; levels are updated in variant order, so two
  // sales of the same items lock their rows in the same order and cannot deadlock.
  const { rows } = await query<{ variant_id: string; on_hand: string }>(
    ctx,
    moveText(
      ctx,
      () => `with moves as (
       select variant_id, quantity from unnest($2::uuid[], $3::numeric[]) as m(variant_id, quantity)),
     ledger as (
       insert into ${tableOf(ctx, 'stock_movement')} (store_id, variant_id, quantity, reason, sale_id, occurred_at)
       select $1, variant_id, quantity, $4, $5, $6 from moves)
     insert into ${tableOf(ctx, 'stock_level')} as level (store_id, variant_id, on_hand)
     select $1, variant_id, sum(quantity) from moves group by variant_id order by variant_id
     on conflict (store_id, variant_id) do update set on_hand = level.on_hand + excluded.on_hand, updated_at = now()
     returning variant_id, on_hand::text`,
    ),
    [movement.storeId, variantIds, quantities, movement.reason, movement.saleId, movement.at],
  );
  const levels = new Map(rows.map((row) => [row.variant_id, row.on_hand]));
  const skuOf = new Map(tracked.map((move) => [move.variantId, move.sku]));
  return [...skuOf.keys()]
    .filter((variantId) => levels.get(variantId)?.startsWith('-'))
    .map((variantId) => ({ sku: skuOf.get(variantId)!, onHand: levels.get(variantId)! }));
}
