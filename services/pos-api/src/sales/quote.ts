// Pricing a sale as the till asked for it: the store it is sold in, the tenant's pricing policy, the
// variants its lines name (priced in that store by the catalog), the @cloudpos/pricing document,
// its view, and which approvals it needs. Reads only; a commit calls it inside its transaction, so
// what is charged is what was read.
import {
  PricingError,
  priceDocument,
  type DocumentInput,
  type PricedDocument,
  type RoundingLevel,
  type RoundingMode,
} from '@cloudpos/pricing';
import { priceVariants } from '../catalog/index.ts';
import type { StockMove } from '../inventory/index.ts';
import { effectiveSettings } from '../settings/index.ts';
import { query, statementText, tableOf } from '../db/sql.ts';
import { problem } from '../errors.ts';
import { thousandths } from '../quantity.ts';
import { deviceIdOf, type RequestContext } from '../tenancy/context.ts';
import { requiredApprovals, type RequiredApproval } from './approvals.ts';

export interface LineRequest {
  sku?: string;
  barcode?: string;
  variantId?: string;
  quantity: string | number;
  /** Needs the price.override permission. */
  unitPrice?: number;
  discount?: { percent?: string; fixed?: number };
}

export interface QuoteRequest {
  storeId?: string;
  lines: LineRequest[];
  discount?: { percent?: string; fixed?: number };
}

export interface Sellable {
  variantId: string;
  sku: string;
  name: string;
  trackStock: boolean;
  unitPrice: number;
  /** The catalog's price (null: none in this currency), to tell an override. */
  catalogUnitPrice: number | null;
  taxRateIds: string[];
}

export interface TaxRateRow {
  id: string;
  code: string;
  name: string;
  rate: string;
  inclusive: boolean;
}

export interface PricingPolicy {
  mode: RoundingMode;
  level: RoundingLevel;
  /** Cash rounding increment in minor units (1 = none). */
  cashIncrement: number;
  /** Discounts above this percent of what they apply to need discount.overLimit (setting `sales`). */
  discountLimitPercent: string;
}

export interface StoreRef {
  id: string;
  code: string;
}

export interface Quote {
  store: StoreRef;
  policy: PricingPolicy;
  resolved: Sellable[];
  rates: Map<string, TaxRateRow>;
  priced: PricedDocument;
}

/** Prices the request in its store: store, policy, variants, then the pricing engine. */
export async function quote(ctx: RequestContext, request: QuoteRequest): Promise<Quote> {
  assertSellableQuantities(request);
  const { store, policy } = await sellingContext(ctx, request.storeId);
  const { resolved, rates } = await resolveLines(ctx, store.id, request.lines);
  return { store, policy, resolved, rates, priced: price(ctx, policy, request, resolved, rates) };
}

/** The permissions a commit of this quote needs (none for a parked sale: it asks when completed). */
export function approvalsOf(request: QuoteRequest, { priced, resolved, policy }: Quote): RequiredApproval[] {
  return requiredApprovals({
    priced,
    prices: request.lines.map((line, index) => ({
      requested: line.unitPrice,
      catalog: resolved[index]!.catalogUnitPrice,
    })),
    discountLimitPercent: policy.discountLimitPercent,
  });
}

/** The pricing policy from the tenant's `pricing` and `sales` settings (defaults where unset). */
function policyOf(ctx: RequestContext, stored: Record<string, unknown>): PricingPolicy {
  const { pricing, sales } = effectiveSettings(stored, ctx.tenant.currency);
  return { ...pricing, discountLimitPercent: sales.discountLimitPercent };
}

const namedStoreText = statementText();
const tillStoreText = statementText();

/**
 * The store a sale is made in (the one named, else the till's own store, else the tenant's only
 * open store; a closed store sells no more) and the tenant's pricing policy, read together.
 */
async function sellingContext(
  ctx: RequestContext,
  storeId?: string,
): Promise<{ store: StoreRef; policy: PricingPolicy }> {
  const store = () => tableOf(ctx, 'store');
  const device = () => tableOf(ctx, 'till_device');
  const settings = () => `(select json_object_agg(key, value) from ${tableOf(ctx, 'setting')}
      where key in ('pricing', 'sales')) as settings`;
  const { rows } = await query<{
    id: string;
    code: string;
    closed: boolean;
    settings: Record<string, unknown> | null;
  }>(
    ctx,
    storeId
      ? namedStoreText(
          ctx,
          () =>
            `select id, code, closed_at is not null as closed, ${settings()} from ${store()} where id = $1`,
        )
      : tillStoreText(
          ctx,
          () => `select s.id, s.code, s.closed_at is not null as closed, ${settings()} from ${store()} s
          where s.id = (select store_id from ${device()} where id = $1)
             or (not exists (select 1 from ${device()} where id = $1 and store_id is not null)
                 and s.closed_at is null)
          order by s.created_at, s.code limit 2`,
        ),
    storeId ? [storeId] : [deviceIdOf(ctx) ?? null],
  );
  if (rows.length === 0)
    throw problem('store_not_found', storeId ? `no store ${storeId}` : 'the tenant has no open store');
  if (!storeId && rows.length > 1)
    throw problem('validation_failed', 'the tenant has several stores and this till none: give storeId');
  if (rows[0]!.closed) throw problem('store_closed', `store ${rows[0]!.code} is closed`);
  return { store: { id: rows[0]!.id, code: rows[0]!.code }, policy: policyOf(ctx, rows[0]!.settings ?? {}) };
}

/**
 * The variants the lines name, priced in the store, with their tax rates: one call of the catalog's
 * priceVariants, whatever mix of keys (SKU, barcode, variant id) the lines use.
 */
async function resolveLines(ctx: RequestContext, storeId: string, lines: LineRequest[]) {
  const keys = (pick: (line: LineRequest) => string | undefined) =>
    lines.flatMap((line) => (pick(line) ? [pick(line)!] : []));
  const found = (
    await priceVariants(ctx, {
      storeId,
      currency: ctx.tenant.currency,
      skus: keys((line) => line.sku),
      barcodes: keys((line) => line.barcode),
      variantIds: keys((line) => line.variantId),
    })
  ).items;
  const sellable = found.filter((variant) => variant.active);
  const bySku = new Map(sellable.map((variant) => [variant.sku, variant]));
  const byBarcode = new Map(
    sellable.filter((variant) => variant.barcode).map((variant) => [variant.barcode!, variant]),
  );
  const byId = new Map(sellable.map((variant) => [variant.variantId, variant]));

  const resolved: Sellable[] = lines.map((line, index) => {
    const variant = line.sku
      ? bySku.get(line.sku)
      : line.barcode
        ? byBarcode.get(line.barcode)
        : byId.get(line.variantId ?? '');
    if (!variant)
      throw problem(
        'item_not_found',
        `lines[${index}]: ${line.sku ?? line.barcode ?? line.variantId} is unknown or inactive`,
      );
    const unitPrice = line.unitPrice ?? variant.unitPrice;
    if (unitPrice === null)
      throw problem('item_not_priced', `lines[${index}]: ${variant.sku} has no ${ctx.tenant.currency} price`);
    return {
      variantId: variant.variantId,
      sku: variant.sku,
      name: variant.name,
      trackStock: variant.trackStock,
      unitPrice,
      catalogUnitPrice: variant.unitPrice,
      taxRateIds: variant.taxRates.map((rate) => rate.id),
    };
  });
  // The document's rates in the order the sale's lines first use them (receipts print them so).
  const rates = new Map<string, TaxRateRow>();
  for (const line of resolved) {
    for (const rate of byId.get(line.variantId)!.taxRates) if (!rates.has(rate.id)) rates.set(rate.id, rate);
  }
  return { resolved, rates };
}

function price(
  ctx: RequestContext,
  policy: PricingPolicy,
  request: QuoteRequest,
  resolved: Sellable[],
  rates: Map<string, TaxRateRow>,
): PricedDocument {
  const document: DocumentInput = {
    currency: ctx.tenant.currency,
    rounding: { mode: policy.mode, level: policy.level },
    taxRates: [...rates.values()].map((rate) => ({
      id: rate.id,
      name: rate.name,
      rate: rate.rate,
      inclusive: rate.inclusive,
    })),
    lines: request.lines.map((line, index) => ({
      id: String(index),
      quantity: line.quantity,
      unitPrice: resolved[index]!.unitPrice,
      taxRateIds: resolved[index]!.taxRateIds.filter((id) => rates.has(id)),
      ...(line.discount ? { discount: line.discount } : {}),
    })),
    ...(request.discount ? { discount: request.discount } : {}),
  };
  try {
    return priceDocument(document);
  } catch (error) {
    if (error instanceof PricingError)
      throw problem('pricing_invalid', `${error.path ?? ''} ${error.code}: ${error.message}`.trim());
    throw error;
  }
}

/** The stock a quote's lines move: out of the store for a sale (-1), back in for a return (+1). */
export function stockMovesOf(
  { priced, resolved }: Pick<Quote, 'priced' | 'resolved'>,
  direction: -1n | 1n,
): StockMove[] {
  return priced.lines.map((line, index) => ({
    variantId: resolved[index]!.variantId,
    trackStock: resolved[index]!.trackStock,
    sku: resolved[index]!.sku,
    quantity: direction * thousandths(line.quantity),
  }));
}

/** The priced document as the API shows it (preview, and the body of a committed sale). */
export function quoteView(
  ctx: RequestContext,
  { priced, resolved, rates, store }: Pick<Quote, 'priced' | 'resolved' | 'rates' | 'store'>,
) {
  return {
    storeId: store.id,
    currency: ctx.tenant.currency,
    lines: priced.lines.map((line, index) => ({
      sku: resolved[index]!.sku,
      name: resolved[index]!.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      gross: line.gross,
      discountTotal: line.discountTotal,
      net: line.net,
      taxTotal: line.taxTotal,
      total: line.total,
      taxes: line.taxes.map((tax) => ({
        taxRateId: tax.rateId,
        code: rates.get(tax.rateId)!.code,
        amount: tax.amount,
        inclusive: rates.get(tax.rateId)!.inclusive,
      })),
    })),
    taxes: priced.taxes.map((tax) => ({
      taxRateId: tax.rateId,
      code: rates.get(tax.rateId)!.code,
      name: tax.name,
      rate: tax.rate,
      inclusive: tax.inclusive,
      base: tax.taxableBase,
      amount: tax.tax,
    })),
    subtotal: priced.totals.subtotal,
    discountTotal: priced.totals.discountTotal,
    taxTotal: priced.totals.tax,
    inclusiveTaxTotal: priced.totals.inclusiveTax,
    total: priced.totals.total,
  };
}

/**
 * A sale sells: every line more than zero. A zero line would take a receipt number for nothing, and
 * a negative one would move money out without the refund permission or the audit log that returns
 * have. (The schema refuses negative numbers; "0" and "0.000" are refused here.)
 */
function assertSellableQuantities(request: QuoteRequest): void {
  const errors = request.lines.flatMap((line, index) =>
    thousandths(String(line.quantity)) > 0n
      ? []
      : [
          {
            path: `/lines/${index}/quantity`,
            message: `must be more than zero, not ${line.quantity}: returns give money back`,
          },
        ],
  );
  if (errors.length > 0)
    throw problem('validation_failed', errors.map((error) => `${error.path} ${error.message}`).join('; '), {
      extensions: { errors },
    });
}
