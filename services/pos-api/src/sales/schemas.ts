// TypeBox schemas of checkout and returns: requests are validated with them, responses serialized
// with them. Amounts are integer minor units of the tenant's currency; quantities decimal text.
import { Type } from 'typebox';
import { ListOf } from '../lists.ts';
import { TEST_CARDS, type TestCardNumber } from '../payments/provider.ts';
import { problemSchema, type ProblemCode } from '../errors.ts';
import { ApprovalHeaders, MAX_APPROVALS_PER_REQUEST } from '../staff/require-permission.ts';
import { MAX_BATCH_SALES } from './batch.ts';

const Uuid = Type.String({ format: 'uuid' });
const Amount = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
/** Sold or returned: more than zero. Money goes back only through a return, never a negative line. */
const Quantity = Type.Union(
  [
    Type.String({ pattern: '^\\d{1,9}(\\.\\d{1,3})?$' }),
    Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
  ],
  { description: 'More than zero, up to 3 decimals ("2", "0.25", 3)' },
);
const Percent = Type.String({
  pattern: '^\\d{1,3}(\\.\\d{1,6})?$',
  description: 'Percent as decimal text, e.g. "10"',
});
const SaleKind = Type.Union(
  [Type.Literal('sale'), Type.Literal('return'), Type.Literal('unreceipted_return')],
  { description: 'A sale, a return of a sale, or a return without its sale (no receipt)' },
);
const Discount = Type.Object(
  {
    percent: Type.Optional(Percent),
    fixed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);

const Line = Type.Object(
  {
    sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    barcode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    variantId: Type.Optional(Uuid),
    quantity: Quantity,
    unitPrice: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'A price override (needs price.override)',
      }),
    ),
    discount: Type.Optional(Discount),
  },
  { additionalProperties: false },
);

const Tender = Type.Union([
  Type.Object(
    { method: Type.Literal('cash'), amount: Amount, tendered: Type.Optional(Amount) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      method: Type.Literal('external'),
      amount: Amount,
      label: Type.String({ minLength: 1, maxLength: 100 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      method: Type.Literal('card'),
      amount: Amount,
      providerRef: Type.String({ minLength: 1, maxLength: 255 }),
    },
    { additionalProperties: false },
  ),
]);

export const CheckoutBody = Type.Object(
  {
    storeId: Type.Optional(Uuid),
    lines: Type.Array(Line, { minItems: 1, maxItems: 500 }),
    discount: Type.Optional(Discount),
    tenders: Type.Optional(Type.Array(Tender, { maxItems: 10 })),
    customerId: Type.Optional(Uuid),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    park: Type.Optional(Type.Boolean()),
    resumeSaleId: Type.Optional(Uuid),
    clientCreatedAt: Type.Optional(Type.String({ format: 'date-time' })),
    receiptNumber: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 999_999_999_999,
        description:
          'The register’s own next number for this sale (a till numbers what it sells offline); without it the server gives the next one',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ReturnBody = Type.Object(
  {
    lines: Type.Array(Type.Object({ lineId: Uuid, quantity: Quantity }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 500,
    }),
    restock: Type.Boolean(),
    refundTo: Type.Union([Type.Literal('cash'), Type.Literal('original')]),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const UnreceiptedReturnBody = Type.Object(
  {
    storeId: Type.Optional(Uuid),
    lines: Type.Array(
      Type.Object(
        {
          sku: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          barcode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          variantId: Type.Optional(Uuid),
          quantity: Quantity,
          unitPrice: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: Number.MAX_SAFE_INTEGER,
              description: 'A price of its own instead of today’s (needs price.override)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
    restock: Type.Boolean(),
    refund: Type.Union([
      Type.Object({ method: Type.Literal('cash') }, { additionalProperties: false }),
      Type.Object(
        { method: Type.Literal('external'), label: Type.String({ minLength: 1, maxLength: 100 }) },
        { additionalProperties: false },
      ),
    ]),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why there is no receipt' }),
    receiptNumber: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'The register’s own next number',
      }),
    ),
  },
  { additionalProperties: false },
);

const LineTax = Type.Object({
  taxRateId: Uuid,
  code: Type.String(),
  amount: Type.Integer(),
  inclusive: Type.Boolean(),
});
const PricedLine = Type.Object({
  id: Type.Optional(Uuid),
  sku: Type.String(),
  name: Type.String(),
  quantity: Type.String(),
  unitPrice: Type.Integer(),
  gross: Type.Integer(),
  discountTotal: Type.Integer(),
  net: Type.Integer(),
  taxTotal: Type.Integer(),
  total: Type.Integer(),
  taxes: Type.Array(LineTax),
  refundedQuantity: Type.Optional(Type.String()),
  originalLineId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  restock: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});
const RateTotal = Type.Object({
  taxRateId: Uuid,
  code: Type.String(),
  name: Type.String(),
  rate: Type.String(),
  inclusive: Type.Boolean(),
  base: Type.Integer(),
  amount: Type.Integer(),
});
const PaymentView = Type.Object({
  id: Type.Optional(Uuid),
  method: Type.String(),
  status: Type.Optional(Type.String()),
  amount: Type.Integer(),
  tendered: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  change: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  label: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  providerRef: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const PreviewSchema = Type.Object({
  storeId: Uuid,
  currency: Type.String(),
  lines: Type.Array(PricedLine),
  taxes: Type.Array(RateTotal),
  subtotal: Type.Integer(),
  discountTotal: Type.Integer(),
  taxTotal: Type.Integer(),
  inclusiveTaxTotal: Type.Integer(),
  total: Type.Integer(),
  cash: Type.Optional(Type.Object({ payable: Type.Integer(), rounding: Type.Integer() })),
  requiredApprovals: Type.Array(
    Type.Object({
      action: Type.String({ description: 'price.override or discount.overLimit' }),
      reason: Type.String(),
    }),
    {
      description:
        'What the commit of this body will need: allowed for a manager; a cashier sends X-Approval-Id (a manager’s approval for that action, comma-separated when several)',
    },
  ),
});

export const SaleSchema = Type.Object({
  id: Uuid,
  kind: SaleKind,
  status: Type.Union([Type.Literal('open'), Type.Literal('completed'), Type.Literal('voided')]),
  receiptNumber: Type.Union([Type.String(), Type.Null()]),
  originalSaleId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  storeId: Uuid,
  currency: Type.String(),
  lines: Type.Array(PricedLine),
  taxes: Type.Array(RateTotal),
  subtotal: Type.Integer(),
  discountTotal: Type.Integer(),
  taxTotal: Type.Integer(),
  inclusiveTaxTotal: Type.Integer(),
  total: Type.Integer(),
  cashRounding: Type.Integer(),
  change: Type.Optional(Type.Integer()),
  payments: Type.Array(PaymentView),
  stockWarnings: Type.Optional(Type.Array(Type.Object({ sku: Type.String(), onHand: Type.String() }))),
  note: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The park note, if any' })),
  resumeWith: Type.Optional(
    Type.Object(
      { lines: Type.Array(Line), discount: Type.Optional(Discount) },
      {
        description:
          'A parked sale only: its lines and order discount as they were parked (line discounts and prices included), to send again with resumeSaleId',
      },
    ),
  ),
  createdAt: Type.String(),
  completedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

/** One sale in a list: enough to find it again; GET /v1/sales/:id has the rest. */
export const SaleSummarySchema = Type.Object({
  id: Uuid,
  kind: SaleKind,
  status: Type.Union([Type.Literal('open'), Type.Literal('completed'), Type.Literal('voided')]),
  receiptNumber: Type.Union([Type.String(), Type.Null()]),
  originalSaleId: Type.Union([Uuid, Type.Null()]),
  returned: Type.Boolean({ description: 'A sale that has at least one return' }),
  storeId: Uuid,
  deviceId: Type.Union([Uuid, Type.Null()]),
  staffId: Type.Union([Uuid, Type.Null()]),
  currency: Type.String(),
  total: Type.Integer(),
  note: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  completedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const SaleListSchema = Type.Object({
  items: Type.Array(SaleSummarySchema),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page' }),
});

export const SaleListQuery = Type.Object(
  {
    receiptNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
    storeId: Type.Optional(Uuid),
    deviceId: Type.Optional(Uuid),
    staffId: Type.Optional(Uuid),
    status: Type.Optional(
      Type.Union(
        [Type.Literal('parked'), Type.Literal('completed'), Type.Literal('returned'), Type.Literal('voided')],
        {
          description:
            'parked: open sales; completed: completed sales and returns; returned: sales with a return',
        },
      ),
    ),
    kind: Type.Optional(SaleKind),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Created before' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const SalesSummaryQuery = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'Completed at or after (with an offset)' }),
    to: Type.String({ format: 'date-time', description: 'Completed before; at most 366 days after from' }),
    storeId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

const MinorUnits = Type.Integer({ description: 'Minor units of the currency' });
export const SalesSummarySchema = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  storeId: Type.Union([Uuid, Type.Null()], { description: 'null: every store' }),
  currencies: Type.Array(
    Type.Object({
      currency: Type.String(),
      salesCount: Type.Integer({ description: 'Completed sales' }),
      salesAmount: MinorUnits,
      returnsCount: Type.Integer({ description: 'Completed returns, with or without a receipt' }),
      returnsAmount: Type.Integer({ description: 'Minor units given back (negative)' }),
      netAmount: Type.Integer({ description: 'salesAmount + returnsAmount' }),
    }),
    { description: 'One entry per currency sold in; empty when nothing completed' },
  ),
});

export const ReceiptNumberParams = Type.Object({
  number: Type.String({ minLength: 1, maxLength: 80, description: 'As printed: MAIN-000123' }),
});

/** Gaps come in one page (`next: null`). */
export const ReceiptGapListSchema = ListOf(
  Type.Object({
    deviceId: Uuid,
    registerCode: Type.String(),
    number: Type.Integer(),
    detectedAt: Type.String({ format: 'date-time' }),
  }),
);

export const IdParams = Type.Object({ id: Uuid });
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({
    minLength: 8,
    maxLength: 100,
    pattern: '^[A-Za-z0-9_.:-]+$',
    description:
      'A key the till makes for this sale or return (a UUID) and sends again on every retry: the first answer is ' +
      'replayed, nothing happens twice. Missing: 400 idempotency_key_required.',
  }),
});
/** A commit or return: exactly once, and maybe with a manager's approval. */
export const CommitHeaders = Type.Object({
  ...IdempotencyHeaders.properties,
  ...ApprovalHeaders.properties,
});

/** Sales sent together (a till draining its outbox): each as `POST /v1/sales` takes it. */
export const SaleBatchBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          idempotencyKey: IdempotencyHeaders.properties['idempotency-key'],
          approvalIds: Type.Optional(
            Type.Array(Uuid, {
              maxItems: MAX_APPROVALS_PER_REQUEST,
              description: 'Manager approvals for this sale, as X-Approval-Id of POST /v1/sales',
            }),
          ),
          sale: CheckoutBody,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_BATCH_SALES },
    ),
  },
  { additionalProperties: false },
);

/** The answer to each sale of a batch, in the order sent, up to the first one to send again later. */
export const saleBatchSchema = (problemCodes: readonly ProblemCode[]) =>
  Type.Object({
    results: Type.Array(
      Type.Object({
        idempotencyKey: Type.String(),
        status: Type.Integer({
          description: 'What POST /v1/sales would have answered for this sale: 201, or the problem’s status',
        }),
        replayed: Type.Boolean({
          description:
            'Committed by an earlier request with this key: its stored answer (Idempotent-Replayed)',
        }),
        sale: Type.Optional(SaleSchema),
        problem: Type.Optional(problemSchema(problemCodes)),
      }),
      {
        description:
          'One per sale sent, in order, until the first whose status is 429 or 5xx: that sale and the ones after ' +
          'it were not committed (the answer is shorter than the batch); send them again later with the same keys',
      },
    ),
  });

export const CardPaymentBody = Type.Object(
  {
    /** The Idempotency-Key the till will commit the sale with. */
    saleKey: Type.String({ minLength: 8, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' }),
    /** A UUID the till makes for this payment attempt; retrying with it never charges twice. */
    paymentId: Uuid,
    amount: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    /** Card present: the Terminal reader to hand the payment to. */
    readerId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const CardPaymentSchema = Type.Object({
  provider: Type.String(),
  providerRef: Type.String(),
  status: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  clientSecret: Type.Optional(Type.String()),
  reader: Type.Optional(Type.Object({ id: Type.String(), actionStatus: Type.String() })),
  failure: Type.Optional(
    Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: true }),
  ),
});

export const ProviderRefParams = Type.Object({
  providerRef: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_]+$' }),
});

export const CancelCardPaymentBody = Type.Object(
  {
    /** The till's id of the attempt, as it started it: a payment can be canceled only by its own. */
    paymentId: Uuid,
    /** The reader it was handed to: it stops waiting for a card. */
    readerId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const CardReaderListSchema = Type.Object({
  /** Whether this tenant takes cards through a payment provider at all. */
  available: Type.Boolean(),
  /** The readers are the provider's simulation (npm start): no real card, no real money. */
  simulated: Type.Boolean(),
  readers: Type.Array(
    Type.Object({
      id: Type.String(),
      label: Type.String(),
      status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
      simulated: Type.Boolean(),
    }),
  ),
});

export const ReaderIdParams = Type.Object({
  readerId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_]+$' }),
});

export const TestCardBody = Type.Object(
  {
    /** One of the provider's test card numbers (payments/provider.ts TEST_CARDS). */
    testCard: Type.Union(Object.keys(TEST_CARDS).map((number) => Type.Literal(number as TestCardNumber))),
  },
  { additionalProperties: false },
);

export const ReceiptQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('text'), Type.Literal('escpos')])),
    /** Characters per line: 42 for 80 mm paper, 32 for 58 mm. */
    width: Type.Optional(Type.Integer({ minimum: 24, maximum: 64 })),
  },
  { additionalProperties: false },
);

/** POST /v1/sales/:id/receipt/email: where the customer wants their receipt. */
export const ReceiptEmailBody = Type.Object(
  {
    to: Type.String({
      // Longer than any valid address (254), so that a long one is answered `email_invalid` with
      // its reason rather than a bare length error.
      maxLength: 320,
      description:
        'One bare address as the customer gives it (name@example.com); no display name, list or line break. ' +
        'Refused with 422 email_invalid and the reason.',
    }),
  },
  { additionalProperties: false },
);

export const QueuedReceiptMailSchema = Type.Object(
  {
    id: Uuid,
    saleId: Uuid,
    to: Type.String({
      description: 'The address shortened (j…@example.com); the whole one is not given back',
    }),
    status: Type.Literal('queued', { description: 'The worker sends it over SMTP within seconds' }),
    queuedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
