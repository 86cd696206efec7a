// The takings of a period: how many sales and returns completed in it and what they came to, per
// currency, from the amounts stored at commit (never recomputed). What a manager's live figure and
// a day's report start from. Read-only SQL on the sales table (index: status, completed_at).
import { query, tableOf } from '../db/sql.ts';
import { problem } from '../errors.ts';
import type { RequestContext } from '../tenancy/context.ts';

export interface SalesSummaryQuery {
  /** Completed at or after (ISO 8601 with an offset). */
  from: string;
  /** Completed before. */
  to: string;
  storeId?: string;
}

export interface CurrencyTakings {
  currency: string;
  salesCount: number;
  /** Minor units: the completed sales' totals. */
  salesAmount: number;
  returnsCount: number;
  /** Minor units, negative: what returns (linked or without a receipt) gave back. */
  returnsAmount: number;
  /** salesAmount + returnsAmount. */
  netAmount: number;
}

const MAX_PERIOD_MS = 366 * 24 * 60 * 60 * 1000;

export async function salesSummary(ctx: RequestContext, period: SalesSummaryQuery) {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  if (!(from < to) || to - from > MAX_PERIOD_MS)
    throw problem('invalid_period', `from ${period.from} to ${period.to}`);
  if (period.storeId) {
    const store = await query(ctx, `select 1 from ${tableOf(ctx, 'store')} where id = $1`, [period.storeId]);
    if (store.rows.length === 0) throw problem('store_not_found', `no store ${period.storeId}`);
  }
  const params: unknown[] = [new Date(from).toISOString(), new Date(to).toISOString()];
  if (period.storeId) params.push(period.storeId);
  const { rows } = await query<{
    currency: string;
    sales_count: string;
    sales_amount: string;
    returns_count: string;
    returns_amount: string;
  }>(
    ctx,
    `select currency,
            count(*) filter (where kind = 'sale')::text as sales_count,
            coalesce(sum(total) filter (where kind = 'sale'), 0)::text as sales_amount,
            count(*) filter (where kind <> 'sale')::text as returns_count,
            coalesce(sum(total) filter (where kind <> 'sale'), 0)::text as returns_amount
       from ${tableOf(ctx, 'sale')}
      where status = 'completed' and completed_at >= $1 and completed_at < $2
        ${period.storeId ? 'and store_id = $3' : ''}
      group by currency order by currency`,
    params,
  );
  const currencies: CurrencyTakings[] = rows.map((row) => ({
    currency: row.currency,
    salesCount: Number(row.sales_count),
    salesAmount: Number(row.sales_amount),
    returnsCount: Number(row.returns_count),
    returnsAmount: Number(row.returns_amount),
    netAmount: Number(row.sales_amount) + Number(row.returns_amount),
  }));
  return {
    from: params[0] as string,
    to: params[1] as string,
    storeId: period.storeId ?? null,
    currencies,
  };
}
