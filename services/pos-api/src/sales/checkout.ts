// Checkout: preview, commit (or park), resume and discard a sale. A sale is priced by
// @cloudpos/pricing (the same engine the till runs offline) inside the transaction that stores it
// with its lines, per-rate taxes, payments, stock movements, receipt number, manager approvals and
// outbox event, all on one connection; it is stored as rounded then and never priced again.
import { randomUUID } from 'node:crypto';
import { cashRound } from '@cloudpos/pricing';
import { inTransaction } from '../db/sql.ts';
import { problem } from '../errors.ts';
import { idempotent } from '../idempotency/index.ts';
import { moveStock, type NegativeStock } from '../inventory/index.ts';
import { appendOutbox } from '../outbox/index.ts';
import {
  paymentProblem,
  requireCardPayments,
  type CardPayment,
  type CardReader,
  type PaymentProvider,
  type TestCardNumber,
} from '../payments/index.ts';
import type { RequestContext } from '../tenancy/context.ts';
import type { RequiredApproval } from './approvals.ts';
import { getSale } from './lookup.ts';
import { approvalsOf, quote, quoteView, stockMovesOf, type QuoteRequest } from './quote.ts';
import {
  deleteParkedSale,
  insertSale,
  lockSale,
  setSaleStatus,
  takeReceiptNumber,
  type LineRow,
} from './repository.ts';
import { TenderError, settle, type Settlement, type TenderInput } from './tender.ts';

export interface CheckoutRequest extends QuoteRequest {
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

/**
 * Checks what an action needs (a manager, or a manager's approval) in the action's transaction: an
 * approval is used up only when the action commits.
 */
export type Authorize = (tx: RequestContext, required: RequiredApproval[]) => Promise<void>;

export interface CheckoutOptions {
  clock: () => Date;
  /** Card payments; without one, card tenders are refused with payment_method_unavailable. */
  cards?: PaymentProvider | undefined;
}

export type Checkout = ReturnType<typeof checkout>;

export function checkout({ clock, cards }: CheckoutOptions) {
  /** A preview with the same body as a commit: nothing is written. */
  async function calculate(ctx: RequestContext, request: CheckoutRequest) {
    const quoted = await quote(ctx, request);
    const { policy, priced } = quoted;
    const rounded = cashRound(priced.totals.total, policy.cashIncrement, policy.mode);
    return {
      ...quoteView(ctx, quoted),
      ...(policy.cashIncrement > 1
        ? { cash: { payable: rounded.payable, rounding: rounded.adjustment } }
        : {}),
      requiredApprovals: approvalsOf(request, quoted),
    };
  }

  /**
   * Commits a sale (or parks it), once per Idempotency-Key. `authorize` runs after every check that
   * can refuse the sale, in its transaction: a refused sale consumes no manager approval, and a
   * replay of a committed sale needs none.
   */
  async function commit(ctx: RequestContext, request: CheckoutRequest, key: string, authorize: Authorize) {
    // Asks the provider (HTTP) before the transaction opens.
    if (!request.park) await verifyCardTenders(ctx, request.tenders ?? [], key);
    return idempotent(ctx, { key, operation: 'POST /v1/sales', request }, async (tx) => {
      const quoted = await quote(tx, request);
      const { store, policy, priced, resolved } = quoted;
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
      if (request.resumeSaleId && (await lockSale(tx, request.resumeSaleId)) !== 'open')
        throw problem('sale_not_open', `sale ${request.resumeSaleId} is not a parked sale`);
      // A parked sale is not a sale yet: its approvals are asked for when it is completed.
      if (!parked) await authorize(tx, approvalsOf(request, quoted));

      const now = clock();
      const saleId = request.resumeSaleId ?? randomUUID();
      if (request.resumeSaleId) await deleteParkedSale(tx, saleId);
      const receipt = parked ? null : await takeReceiptNumber(tx, store.code, request.receiptNumber);
      const view = quoteView(tx, quoted);
      const lines: LineRow[] = view.lines.map((line, index) => ({
        ...line,
        id: randomUUID(),
        variantId: resolved[index]!.variantId,
      }));
      const { totals } = priced;
      await insertSale(
        tx,
        {
          id: saleId,
          kind: 'sale',
          status: parked ? 'open' : 'completed',
          storeId: store.id,
          receipt,
          customerId: request.customerId ?? null,
          currency: ctx.tenant.currency,
          roundingMode: policy.mode,
          roundingLevel: policy.level,
          subtotal: totals.subtotal,
          discountTotal: totals.discountTotal,
          taxTotal: totals.tax,
          inclusiveTaxTotal: totals.inclusiveTax,
          total: totals.total,
          cashRounding: settlement?.cashRounding ?? 0,
          request: { lines: request.lines, discount: request.discount ?? null },
          note: request.note ?? null,
          clientCreatedAt: request.clientCreatedAt ?? null,
          createdAt: now,
          completedAt: parked ? null : now,
        },
        lines,
        view.taxes,
        settlement?.tenders ?? [],
      );
      if (settlement)
        await appendOutbox(tx, [
          {
            subject: 'pos.events.sale.completed',
            payload: {
              saleId,
              storeId: store.id,
              receiptNumber: receipt?.label ?? null,
              currency: ctx.tenant.currency,
              total: totals.total,
              tax: totals.tax,
              completedAt: now.toISOString(),
              lines: view.lines.map((line) => ({
                sku: line.sku,
                quantity: line.quantity,
                total: line.total,
              })),
            },
          },
        ]);
      const body = {
        ...view,
        id: saleId,
        kind: 'sale' as const,
        status: parked ? ('open' as const) : ('completed' as const),
        receiptNumber: receipt?.label ?? null,
        lines: view.lines.map((line, index) => ({ ...line, id: lines[index]!.id })),
        payments: settlement?.tenders ?? [],
        cashRounding: settlement?.cashRounding ?? 0,
        change: settlement?.change ?? 0,
        stockWarnings: [] as NegativeStock[],
        createdAt: now.toISOString(),
      };
      // The stock levels of popular items are the rows every register of the store updates: moved
      // last, after the answer is stored, they stay locked for the commit alone.
      const lastWrite = async (last: RequestContext) => {
        const stockWarnings = await moveStock(last, {
          storeId: store.id,
          saleId,
          reason: 'sale',
          at: now,
          moves: stockMovesOf(quoted, -1n),
        });
        return stockWarnings.length > 0 ? { ...body, stockWarnings } : undefined;
      };
      return { statusCode: 201, body, lastWrite: settlement ? lastWrite : undefined };
    });
  }

  /** Discards a parked sale (sale.void: a manager, or a manager's approval; audited). */
  async function discard(ctx: RequestContext, saleId: string, authorize: Authorize) {
    return inTransaction(ctx, async (tx) => {
      const status = await lockSale(tx, saleId);
      if (!status) throw problem('sale_not_found', `no sale ${saleId}`);
      if (status !== 'open') throw problem('sale_not_open', `sale ${saleId} is not a parked sale`);
      await authorize(tx, [{ action: 'sale.void', reason: `discard parked sale ${saleId}` }]);
      await setSaleStatus(tx, saleId, 'voided');
      return getSale(tx, saleId);
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
   * The tenant's card readers, for the till to choose from. With card reader simulation on (npm start
   * only), the tenant's simulated reader is registered the first time a till asks.
   */
  async function cardReaders(
    ctx: RequestContext,
  ): Promise<{ available: boolean; simulated: boolean; readers: CardReader[] }> {
    if (!cards) return { available: false, simulated: false, readers: [] };
    try {
      const readers = await cards.listReaders(ctx.tenant.slug);
      if (cards.simulator && !readers.some((reader) => reader.simulated)) {
        readers.push(await cards.simulator.ensureReader(ctx.tenant.slug));
      }
      return { available: true, simulated: cards.simulator !== undefined, readers };
    } catch (error) {
      throw paymentProblem(error);
    }
  }

  /** A card payment of this tenant as it stands at the provider (the till waits on the reader with it). */
  async function cardPayment(ctx: RequestContext, providerRef: string): Promise<CardPayment> {
    const provider = requireCardPayments(cards);
    let payment;
    try {
      payment = await provider.getCardPayment(providerRef);
    } catch (error) {
      throw paymentProblem(error);
    }
    // Another tenant's payment is as good as none: its existence is not ours to reveal.
    if (payment.tenant !== ctx.tenant.slug) {
      throw problem('payment_provider_not_found', `no card payment ${providerRef}`);
    }
    return payment;
  }

  /** The cashier gave up on a card payment that has not succeeded: the reader stops waiting for it. */
  async function cancelCardPayment(
    ctx: RequestContext,
    providerRef: string,
    input: { paymentId: string; readerId?: string },
  ): Promise<CardPayment> {
    const payment = await cardPayment(ctx, providerRef);
    if (payment.paymentId !== input.paymentId) {
      throw problem(
        'payment_provider_not_found',
        `card payment ${providerRef} is not payment ${input.paymentId}`,
      );
    }
    if (payment.status === 'canceled') return payment;
    try {
      return await cards!.cancelCardPayment({
        tenant: ctx.tenant.slug,
        paymentId: input.paymentId,
        providerRef,
        ...(input.readerId ? { readerId: input.readerId } : {}),
      });
    } catch (error) {
      throw paymentProblem(error);
    }
  }

  /** npm start's simulated reader: a customer taps one of the provider's test cards on it. */
  async function presentTestCard(ctx: RequestContext, readerId: string, card: TestCardNumber) {
    const simulator = cards?.simulator;
    if (!simulator) {
      throw problem('card_reader_simulation_off', 'CARD_READER_SIMULATION is not set on this API');
    }
    try {
      const readers = await cards.listReaders(ctx.tenant.slug);
      if (!readers.some((reader) => reader.id === readerId && reader.simulated)) {
        throw problem('payment_provider_not_found', `no simulated card reader ${readerId} for this tenant`);
      }
      await simulator.presentTestCard(readerId, card);
    } catch (error) {
      // paymentProblem rethrows our own problem (not a provider failure) as it is.
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

  return {
    calculate,
    commit,
    discard,
    startCardPayment,
    cardReaders,
    cardPayment,
    cancelCardPayment,
    presentTestCard,
  };
}
