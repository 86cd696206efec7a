// Checkout and returns under /v1: preview (calculate) and commit with the same body (one sale, or a
// batch of them from a till draining its outbox), the sale as stored, lookups, and returns (linked or
// unreceipted). Commits and returns need an Idempotency-Key; the first response is replayed.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestBudget } from '../limits/counters.ts';
import { problem, problemResponses, type ProblemCode } from '../errors.ts';
import { idempotencyKeyOf, sendIdempotent, type IdempotentResult } from '../idempotency/index.ts';
import type { SalesMetrics } from './metrics.ts';
import { CARD_PAYMENT_PROBLEMS, type PaymentProvider } from '../payments/index.ts';
import {
  buildReceiptDocument,
  RECEIPT_MEDIA_TYPES,
  renderEscPos,
  renderHtml,
  renderText,
} from '@cloudpos/receipts';
import {
  ApprovalHeaders,
  checkPermission,
  permissionProblems,
  requirePermission,
  type PermissionOptions,
} from '../staff/require-permission.ts';
import {
  CancelCardPaymentBody,
  CardPaymentBody,
  CardPaymentSchema,
  CardReaderListSchema,
  ProviderRefParams,
  ReaderIdParams,
  TestCardBody,
  CheckoutBody,
  CommitHeaders,
  IdempotencyHeaders,
  SaleBatchBody,
  saleBatchSchema,
  IdParams,
  PreviewSchema,
  QueuedReceiptMailSchema,
  ReceiptEmailBody,
  ReceiptGapListSchema,
  ReceiptNumberParams,
  ReceiptQuery,
  ReturnBody,
  SaleListQuery,
  SaleListSchema,
  SaleSchema,
  SalesSummaryQuery,
  SalesSummarySchema,
  UnreceiptedReturnBody,
} from './schemas.ts';
import type { Action } from '../staff/permissions.ts';
import { commitBatch, MAX_BATCH_SALES } from './batch.ts';
import { checkout, type Authorize } from './checkout.ts';
import { getSale, listSales, receiptGaps, saleIdByReceiptNumber } from './lookup.ts';
import { receiptData } from './receipt-data.ts';
import { salesSummary } from './summary.ts';
import type { ReceiptMailService } from './receipt-mail.ts';
import { returns } from './returns.ts';
import { staffActorOf } from '../tenancy/context.ts';

const TAG = ['sales'];
/** The API's default: 50 sales of a few lines each take a few dozen KiB. */
const BATCH_BODY_LIMIT = 1024 * 1024;
const saleTarget = (request: FastifyRequest) => {
  const id = (request.params as { id?: string } | undefined)?.id;
  return id ? { type: 'sale', id } : undefined;
};
const SIGNED_IN = [{ bearerAuth: [] }];
/** Pricing a sale's lines in its store. */
const PRICING: ProblemCode[] = [
  'store_not_found',
  'store_closed',
  'item_not_found',
  'item_not_priced',
  'pricing_invalid',
];
/** Writes that happen once per Idempotency-Key. */
const ONCE: ProblemCode[] = ['idempotency_key_required', 'idempotency_key_reused'];
/** Selling, card payments and returns happen on a till: a portal token (ADR 0015) gets `forbidden`. */
const TILL_ONLY: ProblemCode[] = ['forbidden'];
/** What committing a sale can answer, alone or in a batch. */
const COMMIT: ProblemCode[] = [
  ...PRICING,
  'idempotency_key_reused',
  ...permissionProblems('price.override', 'discount.overLimit'),
  'tender_mismatch',
  'tender_invalid',
  'sale_not_open',
  'receipt_number_taken',
  'receipt_number_invalid',
  ...CARD_PAYMENT_PROBLEMS,
];
const tillOnly = async (request: FastifyRequest) => {
  staffActorOf(request.ctx);
};

export interface SalesRoutesOptions {
  clock: () => Date;
  /** Card payments; without one, card tenders are refused with payment_method_unavailable. */
  cards?: PaymentProvider | undefined;
  /** Sales counted on /metrics. */
  metrics: SalesMetrics;
  /** The client's rate limit, charged for each sale of a batch after the first; none: unlimited. */
  requestBudget?: RequestBudget | undefined;
  /** Queues receipt e-mails for the worker to send. */
  receiptMail: ReceiptMailService;
}

/** Sends a committed sale or return (see noteSale). */
function sendSale<Body>(
  request: FastifyRequest,
  reply: FastifyReply,
  result: IdempotentResult<Body>,
  metrics: SalesMetrics,
  at: Date,
) {
  noteSale(
    request,
    result,
    metrics,
    at,
    (request.body as { clientCreatedAt?: string } | undefined)?.clientCreatedAt,
  );
  return sendIdempotent(reply, result);
}

/**
 * Counts a committed sale or return and logs it with its id and receipt number (the log line also
 * carries the request's trace id): what an SRE greps for when a till reports a sale.
 */
function noteSale<Body>(
  request: FastifyRequest,
  result: IdempotentResult<Body>,
  metrics: SalesMetrics,
  at: Date,
  clientCreatedAt: string | undefined,
) {
  const sale = result.body as {
    id?: unknown;
    kind?: unknown;
    receiptNumber?: unknown;
    total?: unknown;
    status?: unknown;
  };
  if (!result.replayed && sale.status !== 'open')
    metrics.committed({
      tenant: request.ctx.tenant.slug,
      kind: typeof sale.kind === 'string' ? sale.kind : 'sale',
      currency: request.ctx.tenant.currency,
      total: typeof sale.total === 'number' ? sale.total : 0,
      clientCreatedAt: clientCreatedAt ?? null,
      at,
    });
  request.log.info(
    {
      sale_id: sale.id,
      sale_kind: sale.kind,
      receipt_number: sale.receiptNumber ?? null,
      replayed: result.replayed,
    },
    result.replayed ? 'sale answered again (same Idempotency-Key)' : 'sale committed',
  );
}

export async function salesRoutes(
  parent: FastifyInstance,
  { clock, cards, metrics, requestBudget, receiptMail }: SalesRoutesOptions,
) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const service = checkout({ clock, cards });
  const returned = returns({ clock, cards });
  // What a commit or return may need, checked by the service in its transaction once it knows
  // (after pricing, and after a replay of a committed key has been answered): a manager, or a
  // manager's approval.
  const checks: Partial<Record<Action, PermissionOptions>> = {
    'price.override': {},
    'discount.overLimit': {},
    'sale.refund': { target: saleTarget },
    'sale.void': { target: saleTarget },
  };
  /** `approvalIds`: the approvals offered (a batch's sale carries its own; else X-Approval-Id). */
  const authorizeFor =
    (request: FastifyRequest, approvalIds?: readonly string[]): Authorize =>
    async (tx, required) => {
      for (const { action } of required) {
        const options = checks[action];
        if (!options) throw new Error(`no permission check for ${action}`);
        await checkPermission(request, tx, action, options, approvalIds);
      }
    };

  app.post(
    '/sales/calculate',
    {
      schema: {
        tags: TAG,
        summary: 'Price a sale without writing anything (the same body as a commit)',
        security: SIGNED_IN,
        body: CheckoutBody,
        response: { 200: PreviewSchema, ...problemResponses(...PRICING) },
      },
    },
    async (request) => service.calculate(request.ctx, request.body),
  );

  app.post(
    '/sales',
    {
      schema: {
        tags: TAG,
        summary: 'Commit (or park) a sale, exactly once per Idempotency-Key',
        security: SIGNED_IN,
        headers: CommitHeaders,
        body: CheckoutBody,
        response: {
          200: SaleSchema,
          201: SaleSchema,
          ...problemResponses(...TILL_ONLY, ...ONCE, ...COMMIT),
        },
      },
      preHandler: tillOnly,
    },
    async (request, reply) =>
      sendSale(
        request,
        reply,
        await service.commit(
          request.ctx,
          request.body,
          idempotencyKeyOf(request, 'this sale'),
          authorizeFor(request),
        ),
        metrics,
        clock(),
      ),
  );

  app.post(
    '/sales/batch',
    {
      schema: {
        tags: TAG,
        summary: `Commit up to ${MAX_BATCH_SALES} sales in one request (a till sending the sales it made offline)`,
        description:
          'Each item is what `POST /v1/sales` takes: its Idempotency-Key, its manager approvals (X-Approval-Id) ' +
          'and its body. Each sale is committed as that call commits it, in its own transaction and in the order ' +
          'sent: a refused sale is answered with its problem and rolls back nothing else; a key already committed ' +
          'answers with its stored sale (`replayed`). Each sale counts as a request against the rate limit. The ' +
          'answers stop at the first sale answered 429 or 5xx: it and the ones after it were not committed. ' +
          `More than ${MAX_BATCH_SALES} sales answer 413 \`batch_too_large\`; a body over 1 MiB \`body_too_large\`.`,
        security: SIGNED_IN,
        body: SaleBatchBody,
        response: {
          200: saleBatchSchema([...COMMIT, 'rate_limited', 'database_unavailable', 'internal_error']),
          ...problemResponses(...TILL_ONLY, 'batch_too_large'),
        },
      },
      bodyLimit: BATCH_BODY_LIMIT,
      // Before validation, so that an oversized batch gets its own code rather than a schema error.
      preValidation: async (request) => {
        const items = (request.body as { items?: unknown } | undefined)?.items;
        if (Array.isArray(items) && items.length > MAX_BATCH_SALES)
          throw problem('batch_too_large', `${items.length} sales; at most ${MAX_BATCH_SALES} per call`);
      },
      preHandler: tillOnly,
    },
    async (request) => {
      const { items } = request.body;
      // The request itself counted as the first sale when it came in.
      const budget = 1 + (requestBudget ? await requestBudget(request, items.length - 1) : items.length - 1);
      const results = await commitBatch(
        items,
        budget,
        async ({ idempotencyKey, approvalIds, sale }) => {
          const result = await service.commit(
            request.ctx,
            sale,
            idempotencyKey,
            authorizeFor(request, approvalIds ?? []),
          );
          noteSale(request, result, metrics, clock(), sale.clientCreatedAt);
          return result;
        },
        request.log,
      );
      return { results };
    },
  );

  app.post(
    '/sales/card-payments',
    {
      schema: {
        tags: TAG,
        summary:
          'Start a card payment for the sale being rung up (card data goes to the provider, never here)',
        security: SIGNED_IN,
        body: CardPaymentBody,
        response: { 201: CardPaymentSchema, ...problemResponses(...TILL_ONLY, ...CARD_PAYMENT_PROBLEMS) },
      },
      preHandler: tillOnly,
    },
    async (request, reply) => reply.code(201).send(await service.startCardPayment(request.ctx, request.body)),
  );

  app.get(
    '/sales/card-payments/:providerRef',
    {
      schema: {
        tags: TAG,
        summary: 'A card payment of this tenant as it stands at the provider (the till waits on the reader)',
        security: SIGNED_IN,
        params: ProviderRefParams,
        response: { 200: CardPaymentSchema, ...problemResponses(...TILL_ONLY, ...CARD_PAYMENT_PROBLEMS) },
      },
      preHandler: tillOnly,
    },
    async (request) => service.cardPayment(request.ctx, request.params.providerRef),
  );

  app.post(
    '/sales/card-payments/:providerRef/cancel',
    {
      schema: {
        tags: TAG,
        summary: 'Cancel a card payment that has not succeeded; its reader stops waiting for a card',
        security: SIGNED_IN,
        params: ProviderRefParams,
        body: CancelCardPaymentBody,
        response: { 200: CardPaymentSchema, ...problemResponses(...TILL_ONLY, ...CARD_PAYMENT_PROBLEMS) },
      },
      preHandler: tillOnly,
    },
    async (request) => service.cancelCardPayment(request.ctx, request.params.providerRef, request.body),
  );

  app.get(
    '/sales/card-readers',
    {
      schema: {
        tags: TAG,
        summary: 'Whether the tenant takes cards, and its card readers (a simulated one under npm start)',
        security: SIGNED_IN,
        response: { 200: CardReaderListSchema, ...problemResponses(...TILL_ONLY, ...CARD_PAYMENT_PROBLEMS) },
      },
      preHandler: tillOnly,
    },
    async (request) => service.cardReaders(request.ctx),
  );

  app.post(
    '/sales/card-readers/:readerId/test-card',
    {
      schema: {
        tags: TAG,
        summary: 'npm start only: a customer taps a test card on the simulated reader (no real money)',
        security: SIGNED_IN,
        params: ReaderIdParams,
        body: TestCardBody,
        response: {
          204: Type.Null({ description: 'The reader read the card (see the payment for the outcome)' }),
          ...problemResponses(...TILL_ONLY, ...CARD_PAYMENT_PROBLEMS, 'card_reader_simulation_off'),
        },
      },
      preHandler: tillOnly,
    },
    async (request, reply) => {
      await service.presentTestCard(request.ctx, request.params.readerId, request.body.testCard);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/sales',
    {
      schema: {
        tags: TAG,
        summary: 'Find sales: by receipt number, store, till, staff, status or date; newest first, in pages',
        security: SIGNED_IN,
        querystring: SaleListQuery,
        response: { 200: SaleListSchema, ...problemResponses('invalid_cursor') },
      },
    },
    async (request) => listSales(request.ctx, request.query),
  );

  app.get(
    '/sales/summary',
    {
      schema: {
        tags: TAG,
        summary:
          'The takings of a period: completed sales and returns, counted and summed per currency (reports.read)',
        security: SIGNED_IN,
        querystring: SalesSummaryQuery,
        response: {
          200: SalesSummarySchema,
          ...problemResponses(...permissionProblems('reports.read'), 'invalid_period', 'store_not_found'),
        },
      },
      // A read: only refusals are audited (a live dashboard asks again after every sale).
      preHandler: requirePermission('reports.read', { audit: false }),
    },
    async (request) => salesSummary(request.ctx, request.query),
  );

  app.get(
    '/sales/receipt-gaps',
    {
      schema: {
        tags: TAG,
        summary: 'Receipt numbers registers skipped whose sales have not arrived (flagged, never hidden)',
        security: SIGNED_IN,
        response: { 200: ReceiptGapListSchema, ...problemResponses() },
      },
    },
    async (request) => receiptGaps(request.ctx),
  );

  app.get(
    '/sales/by-receipt/:number',
    {
      schema: {
        tags: TAG,
        summary: 'The sale or return with this receipt number (as printed, or scanned from the receipt)',
        security: SIGNED_IN,
        params: ReceiptNumberParams,
        response: { 200: SaleSchema, ...problemResponses('sale_not_found') },
      },
    },
    async (request) =>
      (await getSale(request.ctx, await saleIdByReceiptNumber(request.ctx, request.params.number))) as never,
  );

  app.post(
    '/sales/:id/discard',
    {
      schema: {
        tags: TAG,
        summary: 'Discard a parked sale (sale.void: a manager, or a cashier with a manager’s approval)',
        security: SIGNED_IN,
        params: IdParams,
        headers: ApprovalHeaders,
        response: {
          200: SaleSchema,
          ...problemResponses(
            ...TILL_ONLY,
            ...permissionProblems('sale.void'),
            'sale_not_found',
            'sale_not_open',
          ),
        },
      },
      preHandler: tillOnly,
    },
    async (request) =>
      (await service.discard(request.ctx, request.params.id, authorizeFor(request))) as never,
  );

  app.get(
    '/sales/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A sale or return as it was committed',
        security: SIGNED_IN,
        params: IdParams,
        response: { 200: SaleSchema, ...problemResponses('sale_not_found') },
      },
    },
    async (request) => (await getSale(request.ctx, request.params.id)) as never,
  );

  app.get(
    '/sales/:id/receipt',
    {
      schema: {
        tags: TAG,
        summary:
          'The receipt of a completed sale or return: HTML, plain text, or ESC/POS bytes for a printer',
        security: SIGNED_IN,
        params: IdParams,
        querystring: ReceiptQuery,
        response: {
          200: {
            description: 'The receipt (text/html, text/plain or application/octet-stream)',
            content: {
              'text/html': { schema: Type.String() },
              'text/plain': { schema: Type.String() },
              'application/octet-stream': { schema: Type.String({ format: 'binary' }) },
            },
          },
          ...problemResponses('sale_not_found', 'sale_has_no_receipt'),
        },
      },
    },
    async (request, reply) => {
      const document = buildReceiptDocument(await receiptData(request.ctx, request.params.id));
      const { format = 'html', width = 42 } = request.query;
      reply.header('content-type', RECEIPT_MEDIA_TYPES[format]);
      if (format === 'html') return renderHtml(document);
      if (format === 'text') return renderText(document, { width });
      // The schema says string (OpenAPI's binary format); the bytes go out as they are.
      return reply.send(Buffer.from(renderEscPos(document, { width, barcode: true })) as unknown as string);
    },
  );

  app.post(
    '/sales/:id/receipt/email',
    {
      schema: {
        tags: TAG,
        summary:
          'E-mail the receipt of a completed sale or return to the customer (queued; the worker sends it over SMTP)',
        description:
          'At most RECEIPT_MAIL_PER_SALE mails per receipt, and a limited number per till and per tenant each hour, ' +
          'so that a till cannot relay spam. The address is kept only until the mail is sent; the answer and the ' +
          'audit log show it shortened.',
        security: SIGNED_IN,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ReceiptEmailBody,
        response: {
          202: QueuedReceiptMailSchema,
          ...problemResponses(
            ...TILL_ONLY,
            ...ONCE,
            ...permissionProblems('receipt.email'),
            'email_invalid',
            'sale_not_found',
            'sale_has_no_receipt',
            'receipt_mail_sale_limit',
            'receipt_mail_rate_limited',
          ),
        },
      },
      preHandler: tillOnly,
    },
    async (request, reply) =>
      sendIdempotent(
        reply,
        await receiptMail.queue(
          request,
          request.params.id,
          request.body.to,
          idempotencyKeyOf(request, 'this receipt e-mail'),
        ),
      ),
  );

  app.post(
    '/sales/:id/returns',
    {
      schema: {
        tags: TAG,
        summary: 'Return items of a completed sale: a new sale of kind return, linked to it',
        security: SIGNED_IN,
        params: IdParams,
        headers: CommitHeaders,
        body: ReturnBody,
        response: {
          201: SaleSchema,
          ...problemResponses(
            ...TILL_ONLY,
            ...ONCE,
            ...permissionProblems('sale.refund'),
            'sale_not_found',
            'sale_not_refundable',
            'refund_exceeds_sold',
            'tender_invalid',
            ...CARD_PAYMENT_PROBLEMS,
          ),
        },
      },
      preHandler: tillOnly,
    },
    async (request, reply) =>
      sendSale(
        request,
        reply,
        await returned.refund(
          request.ctx,
          request.params.id,
          request.body,
          idempotencyKeyOf(request, 'this return'),
          authorizeFor(request),
        ),
        metrics,
        clock(),
      ),
  );

  app.post(
    '/returns',
    {
      schema: {
        tags: TAG,
        summary:
          'Take items back without their sale (no receipt): priced at today’s price, refunded in cash or an external tender; needs sale.refund',
        security: SIGNED_IN,
        headers: CommitHeaders,
        body: UnreceiptedReturnBody,
        response: {
          201: SaleSchema,
          ...problemResponses(
            ...TILL_ONLY,
            ...ONCE,
            ...PRICING,
            ...permissionProblems('sale.refund'),
            ...permissionProblems('price.override'),
            'receipt_number_taken',
            'receipt_number_invalid',
          ),
        },
      },
      preHandler: tillOnly,
    },
    async (request, reply) =>
      sendSale(
        request,
        reply,
        await returned.unreceipted(
          request.ctx,
          request.body,
          idempotencyKeyOf(request, 'this return'),
          authorizeFor(request),
        ),
        metrics,
        clock(),
      ),
  );
}
