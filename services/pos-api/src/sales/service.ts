// Checkout and returns. A sale is priced by @cloudpos/pricing (the same engine the till runs
// offline), committed in one transaction with its lines, per-rate taxes, payments, one stock
// movement per line, its receipt number and an outbox event, and stored as rounded then: it is
// never priced again. Commits need an Idempotency-Key whose primary key decides a race.
import { createHash, randomUUID } from 'node:crypto';
import {
  PricingError,
  cashRound,
  priceDocument,
  type DocumentInput,
  type PricedDocument,
  type RoundingLevel,
  type RoundingMode,
} from '@cloudpos/pricing';
import { currentTraceparent } from '@cloudpos/telemetry';
import type pg from 'pg';
import { priceVariants, type PricedVariant, type PriceVariantsQuery } from '../catalog/index.ts';
import { problem } from '../errors.ts';
import type {
  ReceiptSaleData,
  ReceiptSaleLine,
  ReceiptSalePayment,
  ReceiptSaleTax,
} from '../receipts/index.ts';
import { paymentProblem, requireCardPayments, type PaymentProvider } from '../payments/index.ts';
import { actorOf, type RequestContext } from '../tenancy/context.ts';
import { requiredApprovals, type RequiredApproval } from './approvals.ts';
import { quantityText, refundFor, thousandths, type LineFigures } from './refund.ts';
import { TenderError, settle, type Settlement, type TenderInput } from './tender.ts';

export interface LineRequest {
  sku?: string;
  barcode?: string;
  variantId?: string;
  quantity: string | number;
  /** Needs the price.override permission (checked by the route). */
  unitPrice?: number;
  discount?: { percent?: string; fixed?: number };
}

export interface CheckoutRequest {
  storeId?: string;
  lines: LineRequest[];
  discount?: { percent?: string; fixed?: number };
  tenders?: TenderInput[];
  customerId?: string;
  note?: string;
  /** Keep the sale open (parked) instead of completing it; no tenders then. */
  park?: boolean;
  /** Complete this parked sale (its lines are replaced by these). */
  resumeSaleId?: string;
  clientCreatedAt?: string;
  /** The register's own next number (a till numbers its sales, offline too); else the server's. */
  receiptNumber?: number;
}

export interface ReturnRequest {
  lines: { lineId: string; quantity: string | number }[];
  restock: boolean;
  /** `cash`: refund everything in cash; `original`: back to the sale's tenders, in order. */
  refundTo: 'cash' | 'original';
  reason?: string;
}

interface Sellable {
  variantId: string;
  sku: string;
  name: string;
  trackStock: boolean;
  unitPrice: number | null;
  taxRateIds: string[];
}

interface TaxRateRow {
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
}

const DEFAULT_POLICY: PricingPolicy = { mode: 'half-even', level: 'line', cashIncrement: 1 };

/** The tenant's sales limits (setting `sales`): discounts above this percent need discount.overLimit. */
export const DEFAULT_DISCOUNT_LIMIT_PERCENT = '10';
const PERCENT = /^\d{1,3}(\.\d{1,6})?$/;

/** Checks a commit's permissions (a manager, or a manager's approval), given what it needs. */
export type Authorize = (required: RequiredApproval[]) => Promise<void>;

export interface SalesServiceOptions {
  pool: pg.Pool;
  clock: () => Date;
  /** Card payments; without one, card tenders are refused with payment_method_unavailable. */
  cards?: PaymentProvider | undefined;
}

export type SalesService = ReturnType<typeof salesService>;

export function salesService({ pool, clock, cards }: SalesServiceOptions) {
  const q = (ctx: RequestContext, table: string) => `"${ctx.tenant.schema}".${table}`;

  async function policyOf(
    ctx: RequestContext,
    db: pg.Pool | pg.PoolClient,
  ): Promise<PricingPolicy & { discountLimitPercent: string }> {
    const { rows } = await db.query<{ key: string; value: Record<string, unknown> | null }>(
      `select key, value from ${q(ctx, 'setting')} where key in ('pricing', 'sales')`,
    );
    const setting = (key: string) => rows.find((row) => row.key === key)?.value ?? {};
    const limit = setting('sales').discountLimitPercent;
    return {
      ...DEFAULT_POLICY,
      ...(setting('pricing') as Partial<PricingPolicy>),
      discountLimitPercent:
        typeof limit === 'string' && PERCENT.test(limit) ? limit : DEFAULT_DISCOUNT_LIMIT_PERCENT,
    };
  }

  /**
   * The store a sale is made in: the one named, else the till's own store, else the tenant's only
   * open store. A closed store sells no more.
   */
  async function storeOf(ctx: RequestContext, db: pg.Pool | pg.PoolClient, storeId?: string) {
    const deviceId = ctx.actor?.deviceId;
    const { rows } = await db.query<{ id: string; code: string; closed: boolean }>(
      storeId
        ? `select id, code, closed_at is not null as closed from ${q(ctx, 'store')} where id = $1`
        : `select s.id, s.code, s.closed_at is not null as closed from ${q(ctx, 'store')} s
            where s.id = (select store_id from ${q(ctx, 'till_device')} where id = $1)
               or (not exists (select 1 from ${q(ctx, 'till_device')} where id = $1 and store_id is not null)
                   and s.closed_at is null)
            order by s.created_at, s.code limit 2`,
      storeId ? [storeId] : [deviceId ?? null],
    );
    if (rows.length === 0)
      throw problem('store_not_found', storeId ? `no store ${storeId}` : 'the tenant has no open store');
    if (!storeId && rows.length > 1)
      throw problem('validation_failed', 'the tenant has several stores and this till none: give storeId');
    if (rows[0]!.closed) throw problem('store_closed', `store ${rows[0]!.code} is closed`);
    return rows[0]!;
  }

  /** The variants the lines name, with their price in the store and their tax rates: two queries. */
  /**
   * The variants the lines name, priced in the store, with their tax rates: the catalog's
   * priceVariants, once per kind of key the lines use (SKU, barcode, variant id).
   */
  async function lookup(ctx: RequestContext, storeId: string, lines: LineRequest[]) {
    const scope = { storeId, currency: ctx.tenant.currency };
    const keys = (pick: (line: LineRequest) => string | undefined) =>
      lines.flatMap((line) => (pick(line) ? [pick(line)!] : []));
    const found: PricedVariant[] = [];
    const byKind = {
      skus: keys((line) => line.sku),
      barcodes: keys((line) => line.barcode),
      variantIds: keys((line) => line.variantId),
    };
    for (const [kind, list] of Object.entries(byKind)) {
      if (list.length === 0) continue;
      const query = { ...scope, [kind]: list } as PriceVariantsQuery;
      found.push(...(await priceVariants(ctx, query)).items);
    }
    const sellable = found.filter((variant) => variant.active);
    const bySku = new Map(sellable.map((variant) => [variant.sku, variant]));
    const byBarcode = new Map(
      sellable.filter((variant) => variant.barcode).map((variant) => [variant.barcode!, variant]),
    );
    const byId = new Map(sellable.map((variant) => [variant.variantId, variant]));

    const resolved = lines.map((line, index) => {
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
        throw problem(
          'item_not_priced',
          `lines[${index}]: ${variant.sku} has no ${ctx.tenant.currency} price`,
        );
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
      const variant = byId.get(line.variantId)!;
      for (const rate of variant.taxRates) if (!rates.has(rate.id)) rates.set(rate.id, rate);
    }
    return { resolved, rates };
  }

  function price(
    ctx: RequestContext,
    policy: PricingPolicy,
    request: Pick<CheckoutRequest, 'lines' | 'discount'>,
    resolved: (Sellable & { unitPrice: number })[],
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

  /** A preview with the same body as a commit: nothing is written. */
  async function calculate(ctx: RequestContext, request: CheckoutRequest) {
    assertSellableQuantities(request);
    const store = await storeOf(ctx, pool, request.storeId);
    const policy = await policyOf(ctx, pool);
    const { resolved, rates } = await lookup(ctx, store.id, request.lines);
    const priced = price(ctx, policy, request, resolved, rates);
    const rounded = cashRound(priced.totals.total, policy.cashIncrement, policy.mode);
    const cash =
      policy.cashIncrement > 1 ? { payable: rounded.payable, rounding: rounded.adjustment } : undefined;
    return {
      ...view(ctx, { priced, resolved, rates, store, cash }),
      requiredApprovals: approvalsFor(request, priced, resolved, policy.discountLimitPercent),
    };
  }

  function approvalsFor(
    request: CheckoutRequest,
    priced: PricedDocument,
    resolved: { catalogUnitPrice: number | null }[],
    discountLimitPercent: string,
  ): RequiredApproval[] {
    return requiredApprovals({
      priced,
      prices: request.lines.map((line, index) => ({
        requested: line.unitPrice,
        catalog: resolved[index]!.catalogUnitPrice,
      })),
      discountLimitPercent,
    });
  }

  /**
   * A card payment for a sale being rung up (the sale does not exist yet: the till's Idempotency-Key
   * for the commit names it). The till confirms it with the provider (card data never reaches us)
   * and then commits the sale with a card tender carrying the providerRef.
   */
  async function startCardPayment(
    ctx: RequestContext,
    input: { saleKey: string; paymentId: string; amount: number; readerId?: string },
  ) {
    const provider = requireCardPayments(cards);
    try {
      return await provider.startCardPayment({
        tenant: ctx.tenant.slug,
        saleId: input.saleKey,
        paymentId: input.paymentId,
        amount: input.amount,
        currency: ctx.tenant.currency,
        ...(input.readerId ? { cardPresent: { readerId: input.readerId } } : {}),
      });
    } catch (error) {
      throw paymentProblem(error);
    }
  }

  /**
   * A card tender is accepted only for a payment the provider says succeeded, for this tenant, this
   * sale, this amount and currency: a till cannot pay with someone else's payment. A payment can pay
   * one sale only (the payment table's unique providerRef).
   */
  async function verifyCardTenders(ctx: RequestContext, tenders: TenderInput[], saleKey: string) {
    for (const tender of tenders) {
      if (tender.method !== 'card') continue;
      const provider = requireCardPayments(cards);
      let payment;
      try {
        payment = await provider.getCardPayment(tender.providerRef);
      } catch (error) {
        throw paymentProblem(error);
      }
      const problems = [
        payment.status !== 'succeeded' && `it is ${payment.status}`,
        payment.tenant !== ctx.tenant.slug && 'it belongs to another tenant',
        payment.saleId !== saleKey && 'it was started for another sale',
        (payment.amount !== tender.amount || payment.currency !== ctx.tenant.currency) &&
          `it is ${payment.amount} ${payment.currency}, not ${tender.amount} ${ctx.tenant.currency}`,
      ].filter(Boolean);
      if (problems.length > 0)
        throw problem(
          'tender_invalid',
          `card payment ${tender.providerRef} cannot pay this sale: ${problems.join(', ')}`,
        );
    }
  }

  /**
   * Commits a sale (or parks it). The idempotency key row is inserted first: a concurrent request
   * with the same key waits on its primary key and then finds the stored response.
   */
  /**
   * `authorize` runs after the key is claimed (a replay of a committed sale needs no new approval:
   * its key was authorised when it first committed) and after every check that can refuse the sale,
   * just before anything is written, so a refused sale consumes no manager approval.
   */
  async function commit(
    ctx: RequestContext,
    request: CheckoutRequest,
    idempotencyKey: string,
    authorize: Authorize,
  ) {
    assertSellableQuantities(request);
    const requestHash = hashOf(request);
    if (!request.park) await verifyCardTenders(ctx, request.tenders ?? [], idempotencyKey);
    const client = await pool.connect();
    try {
      await client.query('begin');
      const claimed = await client.query(
        `insert into ${q(ctx, 'idempotency_key')} (key, operation, request_hash, status_code, response)
         values ($1, 'POST /v1/sales', $2, 0, 'null') on conflict (key) do nothing`,
        [idempotencyKey, requestHash],
      );
      if (claimed.rowCount === 0) {
        await client.query('rollback');
        return replay(ctx, idempotencyKey, 'POST /v1/sales', requestHash);
      }
      const store = await storeOf(ctx, client, request.storeId);
      const policy = await policyOf(ctx, client);
      const { resolved, rates } = await lookup(ctx, store.id, request.lines);
      const priced = price(ctx, policy, request, resolved, rates);
      const parked = request.park === true;
      let settlement: Settlement | undefined;
      try {
        settlement = parked
          ? undefined
          : settle(priced.totals.total, request.tenders ?? [], {
              increment: policy.cashIncrement,
              mode: policy.mode,
            });
      } catch (error) {
        if (error instanceof TenderError) throw problem(error.code, error.message);
        throw error;
      }
      const now = clock();
      let saleId: string = randomUUID();
      if (request.resumeSaleId) {
        const open = await client.query<{ id: string }>(
          `select id from ${q(ctx, 'sale')} where id = $1 and status = 'open' for update`,
          [request.resumeSaleId],
        );
        if (open.rowCount === 0)
          throw problem('sale_not_open', `sale ${request.resumeSaleId} is not a parked sale`);
      }
      // A parked sale is not a sale yet: its approvals are asked for when it is completed.
      if (!parked) await authorize(approvalsFor(request, priced, resolved, policy.discountLimitPercent));
      if (request.resumeSaleId) {
        saleId = request.resumeSaleId;
        await client.query(`delete from ${q(ctx, 'sale_tax')} where sale_id = $1`, [saleId]);
        await client.query(`delete from ${q(ctx, 'sale_line')} where sale_id = $1`, [saleId]);
        await client.query(`delete from ${q(ctx, 'sale')} where id = $1`, [saleId]);
      }
      const receipt = parked ? null : await takeReceiptNumber(ctx, client, store.code, request.receiptNumber);
      const { totals } = priced;
      await client.query(
        `insert into ${q(ctx, 'sale')} (id, kind, status, store_id, receipt_number, device_id, staff_id, customer_id,
           currency, rounding_mode, rounding_level, subtotal, discount_total, tax_total, inclusive_tax_total, total,
           cash_rounding, request, note, client_created_at, created_at, completed_at, version, register_code, receipt_label)
         values ($1, 'sale', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1, $22, $23)`,
        [
          saleId,
          parked ? 'open' : 'completed',
          store.id,
          receipt?.number ?? null,
          ctx.actor?.deviceId ?? null,
          ctx.actor?.staffId ?? null,
          request.customerId ?? null,
          ctx.tenant.currency,
          policy.mode,
          policy.level,
          totals.subtotal,
          totals.discountTotal,
          totals.tax,
          totals.inclusiveTax,
          totals.total,
          settlement?.cashRounding ?? 0,
          JSON.stringify({ lines: request.lines, discount: request.discount ?? null }),
          request.note ?? null,
          request.clientCreatedAt ?? null,
          now,
          parked ? null : now,
          receipt?.registerCode ?? null,
          receipt?.label ?? null,
        ],
      );
      const lineIds = priced.lines.map(() => randomUUID());
      await insertLines(ctx, client, saleId, lineIds, priced, resolved, rates);
      await insertTaxes(ctx, client, saleId, priced, rates);
      let stockWarnings: { sku: string; onHand: string }[] = [];
      if (settlement) {
        await insertPayments(ctx, client, saleId, settlement.tenders);
        stockWarnings = await moveStock(
          ctx,
          client,
          store.id,
          saleId,
          'sale',
          now,
          priced.lines.map((line, index) => ({
            variantId: resolved[index]!.variantId,
            trackStock: resolved[index]!.trackStock,
            sku: resolved[index]!.sku,
            quantity: -thousandths(line.quantity),
          })),
        );
        await outbox(ctx, client, 'pos.events.sale.completed', {
          saleId,
          storeId: store.id,
          receiptNumber: receipt?.label ?? null,
          currency: ctx.tenant.currency,
          total: totals.total,
          tax: totals.tax,
          completedAt: now.toISOString(),
          lines: priced.lines.map((line, index) => ({
            sku: resolved[index]!.sku,
            quantity: line.quantity,
            total: line.total,
          })),
        });
      }
      const priceView = view(ctx, { priced, resolved, rates, store });
      const body = {
        ...priceView,
        id: saleId,
        kind: 'sale' as const,
        status: parked ? ('open' as const) : ('completed' as const),
        receiptNumber: receipt?.label ?? null,
        lines: priceView.lines.map((line, index) => ({
          ...line,
          id: lineIds[index]!,
        })),
        payments: settlement?.tenders ?? [],
        cashRounding: settlement?.cashRounding ?? 0,
        change: settlement?.change ?? 0,
        stockWarnings,
        createdAt: now.toISOString(),
      };
      await client.query(
        `update ${q(ctx, 'idempotency_key')} set status_code = 201, response = $2 where key = $1`,
        [idempotencyKey, JSON.stringify(body)],
      );
      await client.query('commit');
      return { statusCode: 201, replayed: false, body };
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async function replay(ctx: RequestContext, key: string, operation: string, requestHash: string) {
    const { rows } = await pool.query<{
      operation: string;
      request_hash: string;
      status_code: number;
      response: unknown;
    }>(
      `select operation, request_hash, status_code, response from ${q(ctx, 'idempotency_key')} where key = $1`,
      [key],
    );
    const stored = rows[0];
    if (!stored || stored.operation !== operation || stored.request_hash !== requestHash)
      throw problem('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
    return {
      statusCode: stored.status_code,
      replayed: true,
      body: stored.response as Record<string, unknown>,
    };
  }

  /**
   * The sale's number on its register (the till it is made on), gapless per register: the register's
   * own number when it sends one (a till numbers what it sells offline), else the next one. The
   * register's counter row stays locked until the sale commits, so a register's numbers are given in
   * order and a rolled-back sale gives its number back, while other registers commit in parallel.
   * A number past the next one leaves a gap, recorded (not hidden) until its sale arrives; a number
   * another sale of the register already has is refused.
   */
  async function takeReceiptNumber(
    ctx: RequestContext,
    client: pg.PoolClient,
    storeCode: string,
    requested: number | undefined,
  ): Promise<{ number: number; registerCode: string; label: string }> {
    const deviceId = actorOf(ctx).deviceId;
    const { rows } = await client.query<{ last: string; code: string }>(
      `with counter as (
         insert into ${q(ctx, 'register_counter')} (device_id, last) values ($1, 0)
         on conflict (device_id) do update set last = ${q(ctx, 'register_counter')}.last returning last)
       select counter.last, d.code from counter, ${q(ctx, 'till_device')} d where d.id = $1`,
      [deviceId],
    );
    const last = Number(rows[0]!.last);
    const registerCode = rows[0]!.code;
    const number = requested ?? last + 1;
    if (number > last + 1 + MAX_RECEIPT_GAP)
      throw problem(
        'receipt_number_invalid',
        `register ${registerCode} is at ${last}: ${number} would skip more than ${MAX_RECEIPT_GAP} numbers`,
      );
    if (number <= last) {
      // Only a number the register skipped may come later (an offline sale arriving after newer ones).
      const filled = await client.query(
        `delete from ${q(ctx, 'receipt_gap')} where device_id = $1 and number = $2`,
        [deviceId, number],
      );
      if (filled.rowCount === 0)
        throw problem('receipt_number_taken', `register ${registerCode} already used number ${number}`);
    } else {
      if (number > last + 1)
        await client.query(
          `insert into ${q(ctx, 'receipt_gap')} (device_id, number)
           select $1, n from generate_series($2::bigint, $3::bigint) as n on conflict do nothing`,
          [deviceId, last + 1, number - 1],
        );
      await client.query(`update ${q(ctx, 'register_counter')} set last = $2 where device_id = $1`, [
        deviceId,
        number,
      ]);
    }
    return { number, registerCode, label: receiptLabel(storeCode, registerCode, number) };
  }

  async function insertLines(
    ctx: RequestContext,
    client: pg.PoolClient,
    saleId: string,
    lineIds: string[],
    priced: PricedDocument,
    resolved: Sellable[],
    rates: Map<string, TaxRateRow>,
    extra: { originalLineIds?: (string | null)[]; restock?: boolean | null } = {},
  ) {
    const rows = priced.lines.map((line, index) => [
      lineIds[index],
      saleId,
      index,
      resolved[index]!.variantId,
      resolved[index]!.sku,
      resolved[index]!.name,
      line.quantity,
      line.unitPrice,
      line.gross,
      line.discountTotal,
      line.net,
      line.taxTotal,
      line.total,
      JSON.stringify(
        line.taxes.map((tax) => ({
          taxRateId: tax.rateId,
          code: rates.get(tax.rateId)!.code,
          amount: tax.amount,
          inclusive: rates.get(tax.rateId)!.inclusive,
        })),
      ),
      extra.originalLineIds?.[index] ?? null,
      extra.restock ?? null,
    ]);
    await client.query(
      `insert into ${q(ctx, 'sale_line')} (id, sale_id, position, variant_id, sku, name, quantity, unit_price, gross,
         discount_total, net, tax_total, total, taxes, original_line_id, restock)
       select * from unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::text[], $7::numeric[], $8::bigint[],
         $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::jsonb[], $15::uuid[], $16::bool[])`,
      columns(rows, 16),
    );
  }

  async function insertTaxes(
    ctx: RequestContext,
    client: pg.PoolClient,
    saleId: string,
    priced: PricedDocument,
    rates: Map<string, TaxRateRow>,
  ) {
    if (priced.taxes.length === 0) return;
    const rows = priced.taxes.map((tax) => [
      saleId,
      tax.rateId,
      rates.get(tax.rateId)!.code,
      tax.name,
      tax.rate,
      tax.inclusive,
      tax.taxableBase,
      tax.tax,
    ]);
    await client.query(
      `insert into ${q(ctx, 'sale_tax')} (sale_id, tax_rate_id, code, name, rate, inclusive, base, amount)
       select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::bool[], $7::bigint[], $8::bigint[])`,
      columns(rows, 8),
    );
  }

  async function insertPayments(
    ctx: RequestContext,
    client: pg.PoolClient,
    saleId: string,
    tenders: RefundTender[],
  ) {
    const rows = tenders.map((tender) => [
      tender.id ?? randomUUID(),
      saleId,
      tender.method,
      tender.status ?? 'succeeded',
      tender.amount,
      tender.tendered ?? null,
      tender.change ?? null,
      tender.label ?? null,
      tender.providerRef ? 'stripe' : null,
      tender.providerRef ?? null,
      tender.refundOf ?? null,
    ]);
    await client.query(
      `insert into ${q(ctx, 'payment')} (id, sale_id, method, status, amount, tendered, change, label, provider, provider_ref, refund_of_payment_id)
       select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::uuid[])`,
      columns(rows, 11),
    );
  }

  /** One ledger row per tracked line and the running level; negative stock is reported, never refused. */
  async function moveStock(
    ctx: RequestContext,
    client: pg.PoolClient,
    storeId: string,
    saleId: string,
    reason: 'sale' | 'return',
    at: Date,
    moves: { variantId: string; trackStock: boolean; sku: string; quantity: bigint }[],
  ) {
    const tracked = moves.filter((move) => move.trackStock && move.quantity !== 0n);
    if (tracked.length === 0) return [];
    const quantities = tracked.map((move) => quantityText(move.quantity));
    await client.query(
      `insert into ${q(ctx, 'stock_movement')} (store_id, variant_id, quantity, reason, sale_id, occurred_at)
       select $1, variant_id, quantity, $4, $5, $6 from unnest($2::uuid[], $3::numeric[]) as m(variant_id, quantity)`,
      [storeId, tracked.map((move) => move.variantId), quantities, reason, saleId, at],
    );
    const { rows } = await client.query<{ variant_id: string; on_hand: string }>(
      `insert into ${q(ctx, 'stock_level')} as level (store_id, variant_id, on_hand)
       select $1, variant_id, sum(quantity) from unnest($2::uuid[], $3::numeric[]) as m(variant_id, quantity) group by variant_id
       on conflict (store_id, variant_id) do update set on_hand = level.on_hand + excluded.on_hand, updated_at = now()
       returning variant_id, on_hand::text`,
      [storeId, tracked.map((move) => move.variantId), quantities],
    );
    const skuOf = new Map(tracked.map((move) => [move.variantId, move.sku]));
    // In the order of the sale's lines.
    const levels = new Map(rows.map((row) => [row.variant_id, row.on_hand]));
    return [...skuOf.keys()]
      .filter((variantId) => levels.get(variantId)?.startsWith('-'))
      .map((variantId) => ({ sku: skuOf.get(variantId)!, onHand: levels.get(variantId)! }));
  }

  async function outbox(
    ctx: RequestContext,
    client: pg.PoolClient,
    subject: string,
    payload: Record<string, unknown>,
  ) {
    await client.query(
      `insert into ${q(ctx, 'outbox_event')} (subject, payload, traceparent) values ($1, $2, $3)`,
      [subject, JSON.stringify(payload), currentTraceparent() ?? null],
    );
  }

  /** A sale as stored; `db` is the transaction's client when the sale is not committed yet. */
  async function get(ctx: RequestContext, saleId: string, db: pg.Pool | pg.PoolClient = pool) {
    const sale = await db.query<Record<string, unknown>>(
      `select s.id, s.kind, s.status, s.store_id as "storeId", s.receipt_label as "receiptNumber",
              s.original_sale_id as "originalSaleId", s.currency, s.subtotal::float8, s.discount_total::float8 as "discountTotal",
              s.tax_total::float8 as "taxTotal", s.inclusive_tax_total::float8 as "inclusiveTaxTotal", s.total::float8,
              s.cash_rounding::float8 as "cashRounding", s.note, s.created_at as "createdAt", s.completed_at as "completedAt"
         from ${q(ctx, 'sale')} s join ${q(ctx, 'store')} st on st.id = s.store_id where s.id = $1`,
      [saleId],
    );
    const row = sale.rows[0];
    if (!row) throw problem('sale_not_found', `no sale ${saleId}`);
    const [lines, taxes, payments] = await Promise.all([
      db.query(
        `select id, sku, name, quantity::text, unit_price::float8 as "unitPrice", gross::float8, discount_total::float8 as "discountTotal",
                net::float8, tax_total::float8 as "taxTotal", total::float8, taxes, refunded_quantity::text as "refundedQuantity",
                original_line_id as "originalLineId", restock
           from ${q(ctx, 'sale_line')} where sale_id = $1 order by position`,
        [saleId],
      ),
      db.query(
        `select tax_rate_id as "taxRateId", code, name, rate::text, inclusive, base::float8, amount::float8
           from ${q(ctx, 'sale_tax')} where sale_id = $1 order by code`,
        [saleId],
      ),
      db.query(
        `select id, method, status, amount::float8, tendered::float8, change::float8, label, provider_ref as "providerRef"
           from ${q(ctx, 'payment')} where sale_id = $1 order by created_at, id`,
        [saleId],
      ),
    ]);
    return {
      ...row,
      lines: lines.rows.map((line: Record<string, unknown>) => ({
        ...line,
        quantity: quantityText(thousandths(String(line.quantity))),
        refundedQuantity: quantityText(thousandths(String(line.refundedQuantity))),
      })),
      taxes: taxes.rows,
      payments: payments.rows,
    };
  }

  /**
   * A return: a new sale of kind `return` linked to the original. The original lines are locked, so
   * two refunds at once are serialized and together can never return more than was sold.
   * `authorize` runs after the key is claimed, as for a sale: a retried return replays unasked.
   */
  async function refund(
    ctx: RequestContext,
    saleId: string,
    request: ReturnRequest,
    idempotencyKey: string,
    authorize: Authorize,
  ) {
    const operation = `POST /v1/sales/${saleId}/returns`;
    const requestHash = hashOf(request);
    const client = await pool.connect();
    try {
      await client.query('begin');
      const claimed = await client.query(
        `insert into ${q(ctx, 'idempotency_key')} (key, operation, request_hash, status_code, response)
         values ($1, $2, $3, 0, 'null') on conflict (key) do nothing`,
        [idempotencyKey, operation, requestHash],
      );
      if (claimed.rowCount === 0) {
        await client.query('rollback');
        return replay(ctx, idempotencyKey, operation, requestHash);
      }
      const original = await client.query<{
        id: string;
        store_id: string;
        status: string;
        kind: string;
        currency: string;
        code: string;
      }>(
        `select s.id, s.store_id, s.status, s.kind, s.currency, st.code from ${q(ctx, 'sale')} s
           join ${q(ctx, 'store')} st on st.id = s.store_id where s.id = $1`,
        [saleId],
      );
      const sale = original.rows[0];
      if (!sale) throw problem('sale_not_found', `no sale ${saleId}`);
      if (sale.status !== 'completed' || sale.kind !== 'sale')
        throw problem('sale_not_refundable', 'only completed sales can be returned');
      const ids = request.lines.map((line) => line.lineId);
      if (new Set(ids).size !== ids.length)
        throw problem('validation_failed', 'each line may be returned once per request');
      const locked = await client.query<{
        id: string;
        variant_id: string | null;
        sku: string;
        name: string;
        quantity: string;
        refunded_quantity: string;
        unit_price: string;
        gross: string;
        total: string;
        taxes: LineFigures['taxes'];
      }>(
        `select id, variant_id, sku, name, quantity::text, refunded_quantity::text, unit_price, gross, total, taxes
           from ${q(ctx, 'sale_line')} where sale_id = $1 and id = any($2::uuid[]) order by position for update`,
        [saleId, ids],
      );
      if (locked.rowCount !== ids.length)
        throw problem('validation_failed', 'a returned line is not a line of this sale');
      const previous = await client.query<{
        original_line_id: string;
        quantity: string;
        gross: string;
        total: string;
        taxes: LineFigures['taxes'];
      }>(
        `select original_line_id, quantity::text, gross, total, taxes from ${q(ctx, 'sale_line')}
          where original_line_id = any($1::uuid[])`,
        [ids],
      );
      const returnId = uuidFrom(`${ctx.tenant.schema}:${idempotencyKey}:return`);
      const now = clock();
      const figures = request.lines.map((wanted) => {
        const line = locked.rows.find((row) => row.id === wanted.lineId)!;
        const quantity = thousandths(String(wanted.quantity));
        const sold = thousandths(line.quantity);
        const refunded = thousandths(line.refunded_quantity);
        if (quantity <= 0n)
          throw problem('validation_failed', `line ${line.id}: the quantity to return must be positive`);
        if (refunded + quantity > sold)
          throw problem(
            'refund_exceeds_sold',
            `line ${line.sku}: ${quantityText(sold - refunded)} can still be returned, not ${quantityText(quantity)}`,
          );
        const earlier = previous.rows.filter((row) => row.original_line_id === line.id);
        const returned: LineFigures = {
          quantity: -earlier.reduce((sum, row) => sum + thousandths(row.quantity), 0n),
          gross: -earlier.reduce((sum, row) => sum + Number(row.gross), 0),
          total: -earlier.reduce((sum, row) => sum + Number(row.total), 0),
          taxes: line.taxes.map((tax) => ({
            ...tax,
            amount: -earlier.reduce(
              (sum, row) => sum + (row.taxes.find((t) => t.taxRateId === tax.taxRateId)?.amount ?? 0),
              0,
            ),
          })),
        };
        const result = refundFor(
          { quantity: sold, gross: Number(line.gross), total: Number(line.total), taxes: line.taxes },
          returned,
          quantity,
        );
        return { line, result };
      });
      // After every check that can refuse the return, before anything is written or refunded.
      await authorize([{ action: 'sale.refund', reason: `a return of sale ${saleId}` }]);
      for (const { line, result } of figures) {
        await client.query(
          `update ${q(ctx, 'sale_line')} set refunded_quantity = refunded_quantity + $2::numeric where id = $1`,
          [line.id, quantityText(result.quantity)],
        );
      }
      const total = -figures.reduce((sum, { result }) => sum + result.total, 0);
      const tax = -figures.reduce((sum, { result }) => sum + result.taxTotal, 0);
      const inclusiveTax = -figures.reduce(
        (sum, { result }) => sum + result.taxes.filter((t) => t.inclusive).reduce((s, t) => s + t.amount, 0),
        0,
      );
      const gross = -figures.reduce((sum, { result }) => sum + result.gross, 0);
      const discount = -figures.reduce((sum, { result }) => sum + result.discountTotal, 0);
      const tenders = await refundTenders(ctx, client, saleId, total, request.refundTo, idempotencyKey);
      const receipt = await takeReceiptNumber(ctx, client, sale.code, undefined);
      await client.query(
        `insert into ${q(ctx, 'sale')} (id, kind, status, store_id, receipt_number, original_sale_id, device_id, staff_id,
           currency, rounding_mode, rounding_level, subtotal, discount_total, tax_total, inclusive_tax_total, total, cash_rounding,
           request, note, created_at, completed_at, version, register_code, receipt_label)
         select $1, 'return', 'completed', $2, $3, $4, $5, $6, currency, rounding_mode, rounding_level, $7, $8, $9, $10, $11, 0,
                $12, $13, $14, $14, 1, $15, $16 from ${q(ctx, 'sale')} where id = $4`,
        [
          returnId,
          sale.store_id,
          receipt.number,
          saleId,
          ctx.actor?.deviceId ?? null,
          ctx.actor?.staffId ?? null,
          gross,
          discount,
          tax,
          inclusiveTax,
          total,
          JSON.stringify(request),
          request.reason ?? null,
          now,
          receipt.registerCode,
          receipt.label,
        ],
      );
      const lineIds = figures.map(() => randomUUID());
      for (const [index, { line, result }] of figures.entries()) {
        await client.query(
          `insert into ${q(ctx, 'sale_line')} (id, sale_id, position, variant_id, sku, name, quantity, unit_price, gross, discount_total,
             net, tax_total, total, taxes, original_line_id, restock, refunded_quantity)
           values ($1, $2, $3, $4, $5, $6, $7::numeric, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0)`,
          [
            lineIds[index],
            returnId,
            index,
            line.variant_id,
            line.sku,
            line.name,
            quantityText(-result.quantity),
            line.unit_price,
            -result.gross,
            -result.discountTotal,
            -result.net,
            -result.taxTotal,
            -result.total,
            JSON.stringify(result.taxes.map((t) => ({ ...t, amount: -t.amount }))),
            line.id,
            request.restock,
          ],
        );
      }
      const perRate = new Map<string, { code: string; inclusive: boolean; amount: number; base: number }>();
      for (const { result } of figures) {
        for (const tax of result.taxes) {
          const entry = perRate.get(tax.taxRateId) ?? {
            code: tax.code,
            inclusive: tax.inclusive,
            amount: 0,
            base: 0,
          };
          entry.amount -= tax.amount;
          entry.base -= result.net;
          perRate.set(tax.taxRateId, entry);
        }
      }
      for (const [taxRateId, entry] of perRate) {
        await client.query(
          `insert into ${q(ctx, 'sale_tax')} (sale_id, tax_rate_id, code, name, rate, inclusive, base, amount)
           select $1, $2, code, name, rate, inclusive, $3, $4 from ${q(ctx, 'sale_tax')} where sale_id = $5 and tax_rate_id = $2`,
          [returnId, taxRateId, entry.base, entry.amount, saleId],
        );
      }
      // Card refunds go to the provider before this transaction commits: if it then fails, the
      // till's retry (same key, same refund ids) gets the provider's same refund back.
      for (const tender of tenders.filter((candidate) => candidate.cardPayment)) {
        const provider = requireCardPayments(cards);
        try {
          const refund = await provider.refundCardPayment({
            tenant: ctx.tenant.slug,
            saleId: returnId,
            refundId: tender.id!,
            providerRef: tender.cardPayment!,
            amount: -tender.amount,
            currency: sale.currency,
          });
          tender.providerRef = refund.refundRef;
          tender.status = refund.status === 'succeeded' ? 'succeeded' : 'pending';
        } catch (error) {
          throw paymentProblem(error);
        }
      }
      await insertPayments(ctx, client, returnId, tenders);
      if (request.restock) {
        await moveStock(
          ctx,
          client,
          sale.store_id,
          returnId,
          'return',
          now,
          figures
            .filter(({ line }) => line.variant_id)
            .map(({ line, result }) => ({
              variantId: line.variant_id!,
              trackStock: true,
              sku: line.sku,
              quantity: result.quantity,
            })),
        );
      }
      await outbox(ctx, client, 'pos.events.sale.refunded', {
        saleId: returnId,
        originalSaleId: saleId,
        storeId: sale.store_id,
        receiptNumber: receipt.label,
        currency: sale.currency,
        total,
        restock: request.restock,
        lines: figures.map(({ line, result }) => ({
          sku: line.sku,
          quantity: quantityText(-result.quantity),
          total: -result.total,
        })),
      });
      // The stored answer commits with the return: a crash can never leave the key without one.
      const body = await get(ctx, returnId, client);
      await client.query(
        `update ${q(ctx, 'idempotency_key')} set status_code = 201, response = $2 where key = $1`,
        [idempotencyKey, JSON.stringify(body)],
      );
      await client.query('commit');
      return { statusCode: 201, replayed: false, body };
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Where a refund goes: all cash, or back to the original tenders in their order (card last). */
  async function refundTenders(
    ctx: RequestContext,
    client: pg.PoolClient,
    saleId: string,
    total: number,
    to: 'cash' | 'original',
    idempotencyKey: string,
  ): Promise<RefundTender[]> {
    if (to === 'cash') return [{ method: 'cash', amount: total }];
    const { rows } = await client.query<{
      id: string;
      method: string;
      amount: string;
      label: string | null;
      provider_ref: string | null;
      refunded: string;
    }>(
      `select p.id, p.method, p.amount, p.label, p.provider_ref,
              coalesce((select -sum(r.amount) from ${q(ctx, 'payment')} r where r.refund_of_payment_id = p.id), 0) as refunded
         from ${q(ctx, 'payment')} p where p.sale_id = $1 and p.status = 'succeeded' order by (p.method = 'card'), p.created_at`,
      [saleId],
    );
    let left = -total;
    const tenders: RefundTender[] = [];
    for (const payment of rows) {
      if (left === 0) break;
      const available = Number(payment.amount) - Number(payment.refunded);
      const amount = Math.min(available, left);
      if (amount <= 0) continue;
      tenders.push({
        // Derived from the request's key: a retried return refunds the card once (provider idempotency).
        id: uuidFrom(`${idempotencyKey}:${payment.id}`),
        method: payment.method,
        amount: -amount,
        refundOf: payment.id,
        ...(payment.label ? { label: payment.label } : {}),
        ...(payment.method === 'card' && payment.provider_ref ? { cardPayment: payment.provider_ref } : {}),
      });
      left -= amount;
    }
    if (left !== 0) tenders.push({ method: 'cash', amount: -left });
    return tenders;
  }

  function view(
    ctx: RequestContext,
    input: {
      priced: PricedDocument;
      resolved: Sellable[];
      rates: Map<string, TaxRateRow>;
      store: { id: string; code: string };
      cash?: { payable: number; rounding: number } | undefined;
    },
  ) {
    const { priced, resolved, rates } = input;
    return {
      storeId: input.store.id,
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
      ...(input.cash ? { cash: input.cash } : {}),
    };
  }

  /** What a receipt of this sale needs, read as it was stored (see receipts/document.ts). */
  async function receiptData(ctx: RequestContext, saleId: string): Promise<ReceiptSaleData> {
    const sale = (await get(ctx, saleId)) as unknown as Record<string, unknown> & {
      lines: ReceiptSaleLine[];
      taxes: ReceiptSaleTax[];
      payments: ReceiptSalePayment[];
    };
    if (sale.status !== 'completed')
      throw problem(
        'sale_has_no_receipt',
        sale.status === 'open'
          ? `sale ${saleId} is parked: it gets its receipt when it is completed`
          : `sale ${saleId} was discarded: it has no receipt`,
        { extensions: { saleStatus: sale.status } },
      );
    const extra = await pool.query<{
      store_name: string;
      store_code: string;
      number: string;
      register_code: string | null;
      original_code: string | null;
      original_number: string | null;
      original_register: string | null;
      staff: string | null;
      till: string | null;
      profile: { displayName?: string; locale?: string } | null;
      footer: unknown;
    }>(
      `select st.name as store_name, st.code as store_code, s.receipt_number::text as number, s.register_code,
              ost.code as original_code, o.receipt_number::text as original_number, o.register_code as original_register,
              m.display_name as staff, d.name as till,
              (select value from ${q(ctx, 'setting')} where key = 'tenant.profile') as profile,
              (select value from ${q(ctx, 'setting')} where key = 'receipt.footer') as footer
         from ${q(ctx, 'sale')} s join ${q(ctx, 'store')} st on st.id = s.store_id
         left join ${q(ctx, 'sale')} o on o.id = s.original_sale_id
         left join ${q(ctx, 'store')} ost on ost.id = o.store_id
         left join ${q(ctx, 'staff_member')} m on m.id = s.staff_id
         left join ${q(ctx, 'till_device')} d on d.id = s.device_id
        where s.id = $1`,
      [saleId],
    );
    const row = extra.rows[0]!;
    const amount = (key: string) => sale[key] as number;
    return {
      kind: sale.kind as 'sale' | 'return',
      receiptNumber: Number(row.number),
      registerCode: row.register_code,
      original: row.original_code
        ? {
            storeCode: row.original_code,
            receiptNumber: Number(row.original_number),
            registerCode: row.original_register,
          }
        : null,
      completedAt: sale.completedAt as Date,
      locale: row.profile?.locale ?? 'en-US',
      timezone: ctx.tenant.timezone,
      currency: sale.currency as string,
      merchant: { name: row.profile?.displayName ?? ctx.tenant.slug },
      store: { code: row.store_code, name: row.store_name },
      cashier: row.staff ? { name: row.staff } : null,
      till: row.till ? { name: row.till } : null,
      lines: sale.lines.map((line, position) => ({ ...line, position })),
      taxes: sale.taxes,
      totals: {
        subtotal: amount('subtotal'),
        discountTotal: amount('discountTotal'),
        taxTotal: amount('taxTotal'),
        inclusiveTaxTotal: amount('inclusiveTaxTotal'),
        total: amount('total'),
        cashRounding: amount('cashRounding'),
      },
      payments: sale.payments,
      footer:
        typeof row.footer === 'string'
          ? [row.footer]
          : Array.isArray(row.footer)
            ? (row.footer as string[])
            : null,
    };
  }

  /** Discards a parked sale (sale.void: a manager, or a manager's approval; audited). */
  async function discard(ctx: RequestContext, saleId: string, authorize: Authorize) {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ status: string }>(
        `select status from ${q(ctx, 'sale')} where id = $1 for update`,
        [saleId],
      );
      if (!rows[0]) throw problem('sale_not_found', `no sale ${saleId}`);
      if (rows[0].status !== 'open') throw problem('sale_not_open', `sale ${saleId} is not a parked sale`);
      await authorize([{ action: 'sale.void', reason: `discard parked sale ${saleId}` }]);
      await client.query(
        `update ${q(ctx, 'sale')} set status = 'voided', version = version + 1 where id = $1`,
        [saleId],
      );
      const sale = await get(ctx, saleId, client);
      await client.query('commit');
      return sale;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  return { calculate, commit, discard, get, refund, startCardPayment, receiptData };
}

interface RefundTender {
  id?: string;
  method: string;
  amount: number;
  status?: 'succeeded' | 'pending';
  tendered?: number;
  change?: number;
  label?: string;
  providerRef?: string;
  refundOf?: string;
  /** A card refund: the providerRef of the card payment it gives money back to. */
  cardPayment?: string;
}

/** A UUID (v4 layout) derived from a name: the same request always names the same rows. */
function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The number printed and scanned: store code, register code, the register's number (MAIN-T1-000042). */
export const receiptLabel = (storeCode: string, registerCode: string, number: number) =>
  `${storeCode}-${registerCode}-${String(number).padStart(6, '0')}`;

/** How far ahead of its counter a register may number a sale (the numbers between become gaps). */
const MAX_RECEIPT_GAP = 1000;

/** A canonical hash of a request body: key order does not matter, values do. */
export function hashOf(value: unknown): string {
  const canonical = (input: unknown): unknown =>
    Array.isArray(input)
      ? input.map(canonical)
      : input && typeof input === 'object'
        ? Object.fromEntries(
            Object.entries(input)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : input;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

function columns(rows: unknown[][], count: number): unknown[][] {
  return Array.from({ length: count }, (_, column) => rows.map((row) => row[column]));
}

/**
 * A sale sells: every line more than zero. A zero line would take a receipt number for nothing, and
 * a negative one would move money out without the refund permission or the audit log that returns
 * have. (The schema refuses negative numbers; "0" and "0.000" are refused here.)
 */
function assertSellableQuantities(request: CheckoutRequest): void {
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
