// Returns: money goes back only through here. A linked return is a new sale of kind `return` for
// part of a completed sale; its lines are locked, so two returns at once are serialized and together
// never return more than was sold, and each gives back its share of every stored figure rounded
// cumulatively (refund.ts). An unreceipted return (no original sale) is priced at today's prices and
// has its own kind. Both need sale.refund, once per Idempotency-Key, in one transaction.
import { randomUUID } from 'node:crypto';
import { query, tableOf as q } from '../db/sql.ts';
import { problem } from '../errors.ts';
import { idempotent } from '../idempotency/index.ts';
import { moveStock, type StockMovement } from '../inventory/index.ts';
import { appendOutbox } from '../outbox/index.ts';
import { paymentProblem, requireCardPayments, type PaymentProvider } from '../payments/index.ts';
import { quantityText, thousandths } from '../quantity.ts';
import type { RequestContext } from '../tenancy/context.ts';
import type { Authorize } from './checkout.ts';
import { getSale } from './lookup.ts';
import { approvalsOf, quote, quoteView, stockMovesOf, type LineRequest } from './quote.ts';
import { refundFor, type LineFigures } from './refund.ts';
import {
  insertSale,
  takeReceiptNumber,
  uuidFrom,
  type LineRow,
  type PaymentRow,
  type TaxRow,
} from './repository.ts';

export interface ReturnRequest {
  lines: { lineId: string; quantity: string | number }[];
  restock: boolean;
  /** `cash`: refund everything in cash; `original`: back to the sale's tenders, in order. */
  refundTo: 'cash' | 'original';
  reason?: string;
}

export interface UnreceiptedReturnRequest {
  storeId?: string;
  /** What comes back, priced at today's price in the store (unitPrice: an override, price.override). */
  lines: Pick<LineRequest, 'sku' | 'barcode' | 'variantId' | 'quantity' | 'unitPrice'>[];
  restock: boolean;
  refund: { method: 'cash' } | { method: 'external'; label: string };
  /** Why there is no receipt: required, it is what an auditor reads. */
  reason: string;
  /** The register's own next number, as for a sale. */
  receiptNumber?: number;
}

interface RefundPayment extends PaymentRow {
  /** A card refund: the providerRef of the card payment it gives money back to. */
  cardPayment?: string;
}

export interface ReturnsOptions {
  clock: () => Date;
  cards?: PaymentProvider | undefined;
}

export type Returns = ReturnType<typeof returns>;

/** A return's answer; the restock, when asked for, moves the shelf last (IdempotentAnswer.lastWrite). */
async function answerWithRestock(tx: RequestContext, returnId: string, restock: StockMovement | false) {
  const lastWrite = restock
    ? async (last: RequestContext) => {
        await moveStock(last, restock);
        return undefined;
      }
    : undefined;
  return { statusCode: 201, body: await getSale(tx, returnId), lastWrite };
}

export function returns({ clock, cards }: ReturnsOptions) {
  async function refund(
    ctx: RequestContext,
    saleId: string,
    request: ReturnRequest,
    key: string,
    authorize: Authorize,
  ) {
    const operation = `POST /v1/sales/${saleId}/returns`;
    return idempotent(ctx, { key, operation, request }, async (tx) => {
      const { rows: originals } = await query<{
        status: string;
        kind: string;
        store_id: string;
        code: string;
        currency: string;
        rounding_mode: string;
        rounding_level: string;
      }>(
        tx,
        `select s.status, s.kind, s.store_id, st.code, s.currency, s.rounding_mode, s.rounding_level
           from ${q(tx, 'sale')} s join ${q(tx, 'store')} st on st.id = s.store_id where s.id = $1`,
        [saleId],
      );
      const sale = originals[0];
      if (!sale) throw problem('sale_not_found', `no sale ${saleId}`);
      if (sale.status !== 'completed' || sale.kind !== 'sale')
        throw problem('sale_not_refundable', 'only completed sales can be returned');
      const figures = await returnedFigures(tx, saleId, request);
      // After every check that can refuse the return, before anything is written or refunded.
      await authorize(tx, [{ action: 'sale.refund', reason: `a return of sale ${saleId}` }]);

      for (const { line, result } of figures) {
        await query(
          tx,
          `update ${q(tx, 'sale_line')} set refunded_quantity = refunded_quantity + $2::numeric where id = $1`,
          [line.id, quantityText(result.quantity)],
        );
      }
      const sum = (pick: (result: (typeof figures)[number]['result']) => number) =>
        -figures.reduce((total, { result }) => total + pick(result), 0);
      const total = sum((result) => result.total);
      const returnId = uuidFrom(`${tx.tenant.schema}:${key}:return`);
      const payments = await refundPayments(tx, saleId, total, request.refundTo, key);
      const receipt = await takeReceiptNumber(tx, sale.code, undefined);
      const now = clock();
      const lines: LineRow[] = figures.map(({ line, result }) => ({
        id: randomUUID(),
        variantId: line.variant_id,
        sku: line.sku,
        name: line.name,
        quantity: quantityText(-result.quantity),
        unitPrice: Number(line.unit_price),
        gross: -result.gross,
        discountTotal: -result.discountTotal,
        net: -result.net,
        taxTotal: -result.taxTotal,
        total: -result.total,
        taxes: result.taxes.map((tax) => ({ ...tax, amount: -tax.amount })),
        originalLineId: line.id,
        restock: request.restock,
      }));
      await refundCards(tx, returnId, payments, sale.currency);
      await insertSale(
        tx,
        {
          id: returnId,
          kind: 'return',
          status: 'completed',
          storeId: sale.store_id,
          receipt,
          originalSaleId: saleId,
          currency: sale.currency,
          roundingMode: sale.rounding_mode,
          roundingLevel: sale.rounding_level,
          subtotal: sum((result) => result.gross),
          discountTotal: sum((result) => result.discountTotal),
          taxTotal: sum((result) => result.taxTotal),
          inclusiveTaxTotal: sum((result) =>
            result.taxes.filter((tax) => tax.inclusive).reduce((s, tax) => s + tax.amount, 0),
          ),
          total,
          cashRounding: 0,
          request,
          note: request.reason ?? null,
          createdAt: now,
          completedAt: now,
        },
        lines,
        await returnTaxes(tx, saleId, figures),
        payments,
      );
      await appendOutbox(tx, [
        {
          subject: 'pos.events.sale.refunded',
          payload: {
            saleId: returnId,
            originalSaleId: saleId,
            storeId: sale.store_id,
            receiptNumber: receipt.label,
            currency: sale.currency,
            total,
            restock: request.restock,
            lines: lines.map((line) => ({ sku: line.sku, quantity: line.quantity, total: line.total })),
          },
        },
      ]);
      // The stored answer commits with the return: a crash can never leave the key without one.
      return answerWithRestock(
        tx,
        returnId,
        request.restock && {
          storeId: sale.store_id,
          saleId: returnId,
          reason: 'return',
          at: now,
          moves: figures
            .filter(({ line }) => line.variant_id)
            .map(({ line, result }) => ({
              variantId: line.variant_id!,
              trackStock: true,
              sku: line.sku,
              quantity: result.quantity,
            })),
        },
      );
    });
  }

  /**
   * A return without its sale: priced at today's price in the store, refunded in cash or an
   * external tender, with a reason. Always sale.refund (and price.override for a price of its own).
   */
  async function unreceipted(
    ctx: RequestContext,
    request: UnreceiptedReturnRequest,
    key: string,
    authorize: Authorize,
  ) {
    return idempotent(ctx, { key, operation: 'POST /v1/returns', request }, async (tx) => {
      const quoted = await quote(tx, {
        lines: request.lines,
        ...(request.storeId ? { storeId: request.storeId } : {}),
      });
      const { store, policy, priced, resolved } = quoted;
      await authorize(tx, [
        { action: 'sale.refund', reason: `a return without a receipt: ${request.reason}` },
        ...approvalsOf(request, quoted),
      ]);
      const view = quoteView(tx, quoted);
      const returnId = uuidFrom(`${tx.tenant.schema}:${key}:unreceipted-return`);
      const receipt = await takeReceiptNumber(tx, store.code, request.receiptNumber);
      const now = clock();
      const lines: LineRow[] = view.lines.map((line, index) => ({
        id: randomUUID(),
        variantId: resolved[index]!.variantId,
        sku: line.sku,
        name: line.name,
        quantity: quantityText(-thousandths(line.quantity)),
        unitPrice: line.unitPrice,
        gross: -line.gross,
        discountTotal: -line.discountTotal,
        net: -line.net,
        taxTotal: -line.taxTotal,
        total: -line.total,
        taxes: line.taxes.map((tax) => ({ ...tax, amount: -tax.amount })),
        restock: request.restock,
      }));
      const total = -priced.totals.total;
      await insertSale(
        tx,
        {
          id: returnId,
          kind: 'unreceipted_return',
          status: 'completed',
          storeId: store.id,
          receipt,
          currency: tx.tenant.currency,
          roundingMode: policy.mode,
          roundingLevel: policy.level,
          subtotal: -priced.totals.subtotal,
          discountTotal: -priced.totals.discountTotal,
          taxTotal: -priced.totals.tax,
          inclusiveTaxTotal: -priced.totals.inclusiveTax,
          total,
          cashRounding: 0,
          request,
          note: request.reason,
          createdAt: now,
          completedAt: now,
        },
        lines,
        view.taxes.map((tax) => ({ ...tax, base: -tax.base, amount: -tax.amount })),
        [
          request.refund.method === 'external'
            ? { method: 'external', amount: total, label: request.refund.label }
            : { method: 'cash', amount: total },
        ],
      );
      await appendOutbox(tx, [
        {
          subject: 'pos.events.sale.refunded',
          payload: {
            saleId: returnId,
            originalSaleId: null,
            unreceipted: true,
            storeId: store.id,
            receiptNumber: receipt.label,
            currency: tx.tenant.currency,
            total,
            restock: request.restock,
            lines: lines.map((line) => ({ sku: line.sku, quantity: line.quantity, total: line.total })),
          },
        },
      ]);
      return answerWithRestock(
        tx,
        returnId,
        request.restock && {
          storeId: store.id,
          saleId: returnId,
          reason: 'return',
          at: now,
          moves: stockMovesOf(quoted, 1n),
        },
      );
    });
  }

  /** Locks the returned lines and works out what each part gives back. */
  async function returnedFigures(tx: RequestContext, saleId: string, request: ReturnRequest) {
    const ids = request.lines.map((line) => line.lineId);
    if (new Set(ids).size !== ids.length)
      throw problem('validation_failed', 'each line may be returned once per request');
    const locked = await query<{
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
      tx,
      `select id, variant_id, sku, name, quantity::text, refunded_quantity::text, unit_price, gross, total, taxes
         from ${q(tx, 'sale_line')} where sale_id = $1 and id = any($2::uuid[]) order by position for update`,
      [saleId, ids],
    );
    if (locked.rows.length !== ids.length)
      throw problem('validation_failed', 'a returned line is not a line of this sale');
    const previous = await query<{
      original_line_id: string;
      quantity: string;
      gross: string;
      total: string;
      taxes: LineFigures['taxes'];
    }>(
      tx,
      `select original_line_id, quantity::text, gross, total, taxes from ${q(tx, 'sale_line')}
        where original_line_id = any($1::uuid[])`,
      [ids],
    );
    return request.lines.map((wanted) => {
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
  }

  /** The return's per-rate taxes (negative), named as on the original sale. */
  async function returnTaxes(
    tx: RequestContext,
    saleId: string,
    figures: { result: ReturnType<typeof refundFor> }[],
  ): Promise<TaxRow[]> {
    const { rows } = await query<{ tax_rate_id: string; name: string; rate: string }>(
      tx,
      `select tax_rate_id, name, rate::text from ${q(tx, 'sale_tax')} where sale_id = $1`,
      [saleId],
    );
    const perRate = new Map<string, TaxRow>();
    for (const { result } of figures) {
      for (const tax of result.taxes) {
        const original = rows.find((row) => row.tax_rate_id === tax.taxRateId);
        const entry = perRate.get(tax.taxRateId) ?? {
          taxRateId: tax.taxRateId,
          code: tax.code,
          name: original?.name ?? tax.code,
          rate: original?.rate ?? '0',
          inclusive: tax.inclusive,
          amount: 0,
          base: 0,
        };
        entry.amount -= tax.amount;
        entry.base -= result.net;
        perRate.set(tax.taxRateId, entry);
      }
    }
    return [...perRate.values()];
  }

  /** Where a refund goes: all cash, or back to the original tenders in their order (card last). */
  async function refundPayments(
    tx: RequestContext,
    saleId: string,
    total: number,
    to: 'cash' | 'original',
    key: string,
  ): Promise<RefundPayment[]> {
    if (to === 'cash') return [{ method: 'cash', amount: total }];
    const payment = q(tx, 'payment');
    const { rows } = await query<{
      id: string;
      method: string;
      amount: string;
      label: string | null;
      provider_ref: string | null;
      refunded: string;
    }>(
      tx,
      `select p.id, p.method, p.amount, p.label, p.provider_ref,
              coalesce((select -sum(r.amount) from ${payment} r where r.refund_of_payment_id = p.id), 0) as refunded
         from ${payment} p where p.sale_id = $1 and p.status = 'succeeded' order by (p.method = 'card'), p.position, p.created_at`,
      [saleId],
    );
    let left = -total;
    const payments: RefundPayment[] = [];
    for (const paid of rows) {
      if (left === 0) break;
      const amount = Math.min(Number(paid.amount) - Number(paid.refunded), left);
      if (amount <= 0) continue;
      payments.push({
        // Derived from the request's key: a retried return refunds the card once (provider idempotency).
        id: uuidFrom(`${key}:${paid.id}`),
        method: paid.method,
        amount: -amount,
        refundOf: paid.id,
        ...(paid.label ? { label: paid.label } : {}),
        ...(paid.method === 'card' && paid.provider_ref ? { cardPayment: paid.provider_ref } : {}),
      });
      left -= amount;
    }
    if (left !== 0) payments.push({ method: 'cash', amount: -left });
    return payments;
  }

  /**
   * Card refunds go to the provider before the return's transaction commits: if it then fails, the
   * till's retry (same key, same refund ids) gets the provider's same refund back.
   */
  async function refundCards(
    tx: RequestContext,
    returnId: string,
    payments: RefundPayment[],
    currency: string,
  ) {
    for (const payment of payments.filter((candidate) => candidate.cardPayment)) {
      const provider = requireCardPayments(cards);
      try {
        const refunded = await provider.refundCardPayment({
          tenant: tx.tenant.slug,
          saleId: returnId,
          refundId: payment.id!,
          providerRef: payment.cardPayment!,
          amount: -payment.amount,
          currency,
        });
        payment.providerRef = refunded.refundRef;
        payment.status = refunded.status === 'succeeded' ? 'succeeded' : 'pending';
      } catch (error) {
        throw paymentProblem(error);
      }
    }
  }

  return { refund, unreceipted };
}
