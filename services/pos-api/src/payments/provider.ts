// The seam between CloudPOS and a card payment provider: small, provider-neutral, in our own terms
// (minor units of ISO 4217 currencies, our payment ids). Checkout calls it; Stripe implements it
// (stripe.ts); a second provider would implement the same five calls.
//
// Card data never reaches CloudPOS: card-not-present payments are confirmed by the till's provider
// SDK (Stripe.js, with the client secret returned here) straight to the provider; card-present
// payments are collected by the provider's reader, which this interface only hands the payment to.
// Outcomes arrive by webhook (verifyWebhook) and can be read back (getCardPayment).

/** Where a payment stands at the provider, in neutral terms. */
export type CardPaymentStatus =
  /** Waiting for a card (Stripe.js or the reader has not confirmed yet). */
  | 'requires_payment_method'
  /** The customer must authenticate (3-D Secure) in the till's provider SDK. */
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  /** The last attempt was declined; the same payment may still be retried with another card. */
  | 'failed'
  | 'canceled';

export interface StartCardPayment {
  /** Tenant slug: carried in the provider's metadata, so webhooks find their tenant. */
  tenant: string;
  saleId: string;
  /**
   * Our durable payment id (the `payment` row). The provider derives its idempotency key from it:
   * calling again for the same payment returns the same provider payment, never a second charge.
   */
  paymentId: string;
  /** Integer minor units of `currency` (ISO 4217 exponent: cents for EUR, yen for JPY). */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** Card present: hand the payment to this reader, which collects the card itself. */
  cardPresent?: { readerId: string };
  /** Shown on the customer's statement and in the provider's dashboard. */
  description?: string;
}

export interface CardPayment {
  provider: string;
  /** The provider's id of the payment (Stripe: the PaymentIntent, pi_...). */
  providerRef: string;
  status: CardPaymentStatus;
  amount: number;
  currency: string;
  /**
   * Card not present: what the till's provider SDK needs to confirm the payment with the card
   * (Stripe.js `confirmCardPayment`). A bearer secret for this one payment: give it only to the till.
   */
  clientSecret?: string;
  /** Card present: the reader the payment was handed to. */
  reader?: { id: string; actionStatus: 'in_progress' | 'succeeded' | 'failed' | 'none' };
  /** Why the last attempt failed (card_declined, expired_card...), without card data. */
  failure?: PaymentFailure;
  /**
   * What our metadata on the provider's payment says. Checkout must compare these with the sale
   * before accepting a providerRef sent by a till: a succeeded payment of another tenant or sale
   * must not pay this one.
   */
  tenant?: string;
  saleId?: string;
  paymentId?: string;
}

export interface PaymentFailure {
  code: string;
  declineCode?: string;
  message: string;
}

export interface RefundCardPayment {
  tenant: string;
  /** The sale (a return) the refund belongs to. */
  saleId: string;
  /** Our durable id of the refund (its `payment` row): the idempotency key is derived from it. */
  refundId: string;
  /** The payment being refunded (providerRef of the original card payment). */
  providerRef: string;
  /** Minor units, positive; at most what is left to refund. */
  amount: number;
  currency: string;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface CardRefund {
  provider: string;
  refundRef: string;
  providerRef: string;
  status: RefundStatus;
  amount: number;
  currency: string;
}

export type PaymentEventType =
  | 'payment.succeeded'
  | 'payment.failed'
  | 'payment.canceled'
  | 'refund.succeeded'
  | 'refund.failed'
  | 'other';

/** A verified webhook event, in neutral terms. */
export interface PaymentEvent {
  /** The provider's event id: unique per provider account, the key for deduplication. */
  id: string;
  provider: string;
  type: PaymentEventType;
  /** The provider's own event type (payment_intent.succeeded, refund.failed...). */
  rawType: string;
  /** The payment concerned (Stripe: PaymentIntent id), when the event is about one. */
  providerRef?: string;
  /** Refund events: the refund's id (re_...). */
  refundRef?: string;
  /** What the metadata we attached says: the tenant slug, our sale and payment (or refund) ids. */
  tenant?: string;
  saleId?: string;
  paymentId?: string;
  /** Minor units of `currency` (payment: received; refund: refunded). */
  amount?: number;
  currency?: string;
  failure?: PaymentFailure;
  /** When the provider created the event. */
  createdAt: Date;
}

/** A card reader on the counter, registered with the provider for one tenant. */
export interface CardReader {
  /** The provider's id (Stripe: tmr_...). */
  id: string;
  label: string;
  status: 'online' | 'offline';
  /** The provider's simulated reader (test mode): no card is read and no money moves. */
  simulated: boolean;
}

/**
 * Drives the provider's simulated readers as a customer would, with the provider's own test-mode
 * calls. Test mode only: a provider offers it only when asked to and never with live credentials.
 */
export interface ReaderSimulator {
  /** The tenant's simulated reader, registered the first time it is asked for. */
  ensureReader(tenant: string): Promise<CardReader>;
  /** A customer taps one of the provider's test cards on a simulated reader. */
  presentTestCard(readerId: string, cardNumber: string): Promise<void>;
}

/** The provider's test cards a simulated reader takes, and what they do. */
export const TEST_CARDS = {
  '4242424242424242': 'succeeds',
  '4000000000000002': 'declined',
  '4000000000009995': 'declined for insufficient funds',
} as const;
export type TestCardNumber = keyof typeof TEST_CARDS;

export interface PaymentProvider {
  /** A short name stored with each payment (`payment.provider`). */
  readonly name: string;
  /** The request header that carries the webhook signature (lower case). */
  readonly signatureHeader: string;
  /** Present only in test mode when simulated readers were asked for (CARD_READER_SIMULATION). */
  readonly simulator?: ReaderSimulator;
  startCardPayment(request: StartCardPayment): Promise<CardPayment>;
  getCardPayment(providerRef: string): Promise<CardPayment>;
  /**
   * Cancels a payment that has not succeeded (the customer walked away, the cashier voided it). With
   * `readerId`, the reader stops waiting for a card first when it is still waiting for this payment.
   */
  cancelCardPayment(request: {
    tenant: string;
    paymentId: string;
    providerRef: string;
    readerId?: string;
  }): Promise<CardPayment>;
  /** The tenant's readers (what the provider's metadata assigns to it). */
  listReaders(tenant: string): Promise<CardReader[]>;
  refundCardPayment(request: RefundCardPayment): Promise<CardRefund>;
  /**
   * Verifies a webhook's signature over the exact bytes received and decodes it; throws
   * PaymentProviderError('webhook_signature_invalid') when the signature is missing, wrong or stale.
   */
  verifyWebhook(rawBody: Buffer, signatureHeader: string | undefined): PaymentEvent;
}

export const PAYMENT_PROVIDER_ERROR_CODES = [
  /** The signature of a webhook is missing, does not match, or is too old. */
  'webhook_signature_invalid',
  /** The same payment id was used again with other parameters (amount, currency, reader). */
  'idempotency_conflict',
  /** The provider refused the request as invalid: amount too small, refund too large, wrong state. */
  'rejected',
  /** The amount cannot be expressed for this currency at the provider (e.g. sub-unit ISK). */
  'amount_not_supported',
  /** The card reader is offline or busy. */
  'reader_unavailable',
  /** No such payment, refund or reader at the provider. */
  'not_found',
  /** The provider could not be reached, failed, or rate-limited us: try again later. */
  'provider_unavailable',
  /** Our credentials were refused: an operator must fix the configuration. */
  'provider_misconfigured',
] as const;

export type PaymentProviderErrorCode = (typeof PAYMENT_PROVIDER_ERROR_CODES)[number];

export class PaymentProviderError extends Error {
  override name = 'PaymentProviderError';
  readonly code: PaymentProviderErrorCode;
  /** The provider's own code (Stripe: amount_too_small, terminal_reader_busy...), for logs. */
  readonly providerCode: string | undefined;
  /** The provider's request id, for support tickets. */
  readonly requestId: string | undefined;
  constructor(
    code: PaymentProviderErrorCode,
    message: string,
    options: { providerCode?: string; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.providerCode = options.providerCode;
    this.requestId = options.requestId;
  }
}
