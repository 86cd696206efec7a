// The PaymentProvider on Stripe: PaymentIntents with automatic capture, Stripe Terminal's
// server-driven flow for card-present payments, Refunds, and signed webhooks. One Stripe (platform)
// account serves every tenant; each object carries `metadata.tenant`, `sale_id` and `payment_id`, so
// a webhook finds its tenant and payment (docs/decisions/0008-payments-provider-and-stripe.md).
//
// Idempotency keys are derived from our durable ids, so a retry after a timeout or a crash returns
// the PaymentIntent or refund created the first time instead of charging or refunding twice.
import Stripe from 'stripe';
import {
  PaymentProviderError,
  type CardReader,
  type CardPayment,
  type CardPaymentStatus,
  type CardRefund,
  type PaymentEvent,
  type PaymentEventType,
  type PaymentFailure,
  type PaymentProvider,
  type RefundStatus,
} from './provider.ts';

export interface StripeProviderOptions {
  /** sk_live_/sk_test_/rk_... : the platform account's secret (or restricted) key. */
  secretKey: string;
  /** whsec_... : the signing secret of the webhook endpoint that delivers to this API. */
  webhookSecret: string;
  /** Another API host (tests: the HTTP fake); defaults to api.stripe.com over https. */
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  /** Per request; Stripe's default is 80 s, far too long for a cashier waiting at the till. */
  timeoutMs?: number;
  /** Network retries by stripe-node (safe: every POST carries an idempotency key). */
  maxNetworkRetries?: number;
  /** How old a webhook signature may be (replay protection); Stripe's default is 300 s. */
  webhookToleranceSeconds?: number;
  /** Tests move time; signatures are checked against it. */
  clock?: () => Date;
  /**
   * Offer `simulator`: Stripe's simulated readers (`simulated-wpe`) and its test helper that presents
   * a test card on them. Test keys only: the provider refuses to be built with a live key and it.
   */
  simulatedReaders?: boolean;
}

export const STRIPE_PROVIDER = 'stripe';

export function stripeProvider(options: StripeProviderOptions): PaymentProvider {
  if (options.simulatedReaders && !/^(sk|rk)_test_/.test(options.secretKey)) {
    throw new Error('simulated card readers need a Stripe test key (sk_test_…): refused with any other key');
  }
  const stripe = new Stripe(options.secretKey, {
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.protocol ? { protocol: options.protocol } : {}),
    timeout: options.timeoutMs ?? 20_000,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    telemetry: false,
    appInfo: { name: 'CloudPOS', url: 'https://cloudpos.io' },
  });
  const clock = options.clock ?? (() => new Date());
  const tolerance = options.webhookToleranceSeconds ?? 300;

  return {
    name: STRIPE_PROVIDER,
    signatureHeader: 'stripe-signature',

    async startCardPayment(request) {
      const { tenant, saleId, paymentId, currency, cardPresent } = request;
      const created = await call('creating a PaymentIntent', () =>
        stripe.paymentIntents.create(
          {
            amount: toStripeAmount(request.amount, currency),
            currency: currency.toLowerCase(),
            allowed_payment_method_types: [cardPresent ? 'card_present' : 'card'],
            capture_method: 'automatic',
            metadata: { tenant, sale_id: saleId, payment_id: paymentId },
            ...(request.description ? { description: request.description } : {}),
          },
          { idempotencyKey: idempotencyKey(tenant, 'payment', paymentId, 'create') },
        ),
      );
      // A replay returns the first response as it was then: read the intent as it is now.
      const replayed = created.lastResponse.headers['idempotent-replayed'] === 'true';
      let intent: Stripe.PaymentIntent = created;
      if (replayed) {
        intent = await call('reading a PaymentIntent', () => stripe.paymentIntents.retrieve(created.id));
      }
      if (!cardPresent) return cardPayment(intent, { withClientSecret: true });

      // Handing the intent to the reader carries no key of ours on purpose: an intent can be paid
      // only once, so repeating the hand-off can never charge twice, and a stored key would replay
      // a "reader busy" answer forever instead of trying again.
      // Paid or canceled already; a declined intent goes back to the reader for another card.
      if (intent.status !== 'requires_payment_method') return cardPayment(intent);
      if (replayed) {
        const reader = await call('reading a Terminal reader', () =>
          stripe.terminal.readers.retrieve(cardPresent.readerId),
        );
        if ('action' in reader && reader.action?.process_payment_intent?.payment_intent === intent.id) {
          if (reader.action.status === 'in_progress') return cardPayment(intent, { reader });
        }
      }
      const reader = await call('handing the payment to a Terminal reader', () =>
        stripe.terminal.readers.processPaymentIntent(cardPresent.readerId, { payment_intent: intent.id }),
      );
      return cardPayment(intent, { reader });
    },

    async getCardPayment(providerRef) {
      return cardPayment(
        await call('reading a PaymentIntent', () => stripe.paymentIntents.retrieve(providerRef)),
      );
    },

    async cancelCardPayment({ tenant, paymentId, providerRef, readerId }) {
      if (readerId) {
        // Free the reader only when it is still waiting for this payment (it may serve another).
        const reader = await call('reading a Terminal reader', () =>
          stripe.terminal.readers.retrieve(readerId),
        );
        const action = 'action' in reader ? reader.action : null;
        if (
          action?.status === 'in_progress' &&
          action.process_payment_intent?.payment_intent === providerRef
        ) {
          await call("canceling the reader's action", () => stripe.terminal.readers.cancelAction(readerId));
        }
      }
      return cardPayment(
        await call('canceling a PaymentIntent', () =>
          stripe.paymentIntents.cancel(
            providerRef,
            {},
            { idempotencyKey: idempotencyKey(tenant, 'payment', paymentId, 'cancel') },
          ),
        ),
      );
    },

    async listReaders(tenant) {
      const readers = await call('listing Terminal readers', () =>
        stripe.terminal.readers.list({ limit: 100 }),
      );
      return readers.data.filter((reader) => reader.metadata?.tenant === tenant).map(cardReader);
    },

    ...(options.simulatedReaders
      ? {
          simulator: {
            async ensureReader(tenant: string) {
              const readers = await call('listing Terminal readers', () =>
                stripe.terminal.readers.list({ limit: 100 }),
              );
              const mine = readers.data.find(
                (reader) => reader.metadata?.tenant === tenant && isSimulated(reader),
              );
              if (mine) return cardReader(mine);
              const registered = await call('registering a simulated Terminal reader', () =>
                stripe.terminal.readers.create(
                  {
                    registration_code: 'simulated-wpe',
                    label: 'Simulated card reader',
                    metadata: { tenant },
                  },
                  { idempotencyKey: idempotencyKey(tenant, 'reader', 'simulated', 'create') },
                ),
              );
              return cardReader(registered);
            },
            async presentTestCard(readerId: string, cardNumber: string) {
              await call('presenting a test card on a simulated reader', () =>
                stripe.testHelpers.terminal.readers.presentPaymentMethod(readerId, {
                  type: 'card_present',
                  card_present: { number: cardNumber },
                }),
              );
            },
          },
        }
      : {}),

    async refundCardPayment(request) {
      const { tenant, saleId, refundId, providerRef, currency } = request;
      const refund = await call('creating a refund', () =>
        stripe.refunds.create(
          {
            payment_intent: providerRef,
            amount: toStripeAmount(request.amount, currency),
            metadata: { tenant, sale_id: saleId, payment_id: refundId },
          },
          { idempotencyKey: idempotencyKey(tenant, 'refund', refundId, 'create') },
        ),
      );
      return cardRefund(refund);
    },

    verifyWebhook(rawBody, signatureHeader) {
      if (!signatureHeader) {
        throw new PaymentProviderError('webhook_signature_invalid', 'the Stripe-Signature header is missing');
      }
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(
          rawBody,
          signatureHeader,
          options.webhookSecret,
          tolerance,
          undefined,
          // stripe-node takes the receiving time in milliseconds.
          clock().getTime(),
        );
      } catch (error) {
        const reason =
          error instanceof Stripe.errors.StripeSignatureVerificationError
            ? error.message
            : 'the body is not a Stripe event';
        throw new PaymentProviderError('webhook_signature_invalid', reason, { cause: error });
      }
      return paymentEvent(event);
    },
  };
}

/** `cloudpos:<tenant>:<kind>:<our id>:<operation>`: stable across retries and restarts. */
function idempotencyKey(tenant: string, kind: string, id: string, operation: string): string {
  return `cloudpos:${tenant}:${kind}:${id}:${operation}`;
}

// ---- Amounts --------------------------------------------------------------------------------

/**
 * Stripe counts most currencies in their ISO 4217 minor unit, as we do (cents; whole yen for JPY,
 * which Stripe calls zero-decimal). Where it does not, the difference in decimal places:
 * ISK is 0-decimal in ISO 4217 but two-decimal at Stripe (amounts must be whole krónur), MGA is
 * 2-decimal in ISO 4217 but zero-decimal at Stripe.
 */
const STRIPE_EXTRA_DECIMALS: Readonly<Record<string, number>> = { ISK: 2, MGA: -2 };
/** Stripe takes these with three decimals but the last digit must be 0. */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Our minor units → Stripe's `amount`; throws `amount_not_supported` when Stripe cannot take it. */
export function toStripeAmount(amount: number, currency: string): number {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new PaymentProviderError(
      'rejected',
      `the amount must be a positive integer of minor units, not ${amount}`,
    );
  }
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new PaymentProviderError('rejected', `the currency must be an ISO 4217 code, not ${currency}`);
  }
  const shift = STRIPE_EXTRA_DECIMALS[currency] ?? 0;
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    throw new PaymentProviderError(
      'amount_not_supported',
      `Stripe takes ${currency} amounts in steps of 0.010 only: ${amount} minor units cannot be charged`,
    );
  }
  if (shift >= 0) return amount * 10 ** shift;
  const divisor = 10 ** -shift;
  if (amount % divisor !== 0) {
    throw new PaymentProviderError(
      'amount_not_supported',
      `Stripe takes whole units of ${currency}: ${amount} minor units cannot be charged`,
    );
  }
  return amount / divisor;
}

/** Stripe's `amount` → our minor units. */
export function fromStripeAmount(amount: number, currency: string): number {
  const shift = STRIPE_EXTRA_DECIMALS[currency.toUpperCase()] ?? 0;
  return shift >= 0 ? Math.round(amount / 10 ** shift) : amount * 10 ** -shift;
}

// ---- Stripe objects → neutral ---------------------------------------------------------------

function cardPaymentStatus(intent: Stripe.PaymentIntent): CardPaymentStatus {
  switch (intent.status) {
    case 'requires_payment_method':
      return intent.last_payment_error ? 'failed' : 'requires_payment_method';
    case 'requires_confirmation':
      return 'requires_payment_method';
    case 'requires_action':
      return 'requires_action';
    case 'succeeded':
      return 'succeeded';
    case 'canceled':
      return 'canceled';
    // requires_capture does not happen with automatic capture; count it as still in progress.
    default:
      return 'processing';
  }
}

function cardPayment(
  intent: Stripe.PaymentIntent,
  extra: { withClientSecret?: boolean; reader?: Stripe.Terminal.Reader | Stripe.Terminal.DeletedReader } = {},
): CardPayment {
  const currency = intent.currency.toUpperCase();
  const failure = failureOf(intent.last_payment_error);
  const reader = extra.reader && 'action' in extra.reader ? extra.reader : undefined;
  return {
    provider: STRIPE_PROVIDER,
    providerRef: intent.id,
    status: cardPaymentStatus(intent),
    amount: fromStripeAmount(intent.amount, currency),
    currency,
    ...(extra.withClientSecret && intent.client_secret ? { clientSecret: intent.client_secret } : {}),
    ...(reader
      ? {
          reader: {
            id: reader.id,
            actionStatus: (reader.action?.status ?? 'none') as
              'in_progress' | 'succeeded' | 'failed' | 'none',
          },
        }
      : {}),
    ...(failure && intent.status === 'requires_payment_method' ? { failure } : {}),
    ...ours(intent.metadata),
  };
}

function isSimulated(reader: Stripe.Terminal.Reader): boolean {
  return reader.device_type.startsWith('simulated_');
}

function cardReader(reader: Stripe.Terminal.Reader): CardReader {
  return {
    id: reader.id,
    label: reader.label ?? reader.id,
    status: reader.status === 'online' ? 'online' : 'offline',
    simulated: isSimulated(reader),
  };
}

function failureOf(
  error: Stripe.PaymentIntent.LastPaymentError | null | undefined,
): PaymentFailure | undefined {
  if (!error) return undefined;
  return {
    code: error.code ?? error.type,
    ...(error.decline_code ? { declineCode: error.decline_code } : {}),
    message: error.message ?? 'The payment failed',
  };
}

function refundStatus(status: string | null): RefundStatus {
  if (status === 'succeeded' || status === 'failed' || status === 'canceled') return status;
  return 'pending';
}

function cardRefund(refund: Stripe.Refund): CardRefund {
  const currency = refund.currency.toUpperCase();
  return {
    provider: STRIPE_PROVIDER,
    refundRef: refund.id,
    providerRef: idOf(refund.payment_intent) ?? '',
    status: refundStatus(refund.status),
    amount: fromStripeAmount(refund.amount, currency),
    currency,
  };
}

function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === 'string' ? value : value.id;
}

/** Our metadata keys on Stripe objects, back in our terms. */
function ours(metadata: Stripe.Metadata | null | undefined) {
  return {
    ...(metadata?.tenant ? { tenant: metadata.tenant } : {}),
    ...(metadata?.sale_id ? { saleId: metadata.sale_id } : {}),
    ...(metadata?.payment_id ? { paymentId: metadata.payment_id } : {}),
  };
}

const PAYMENT_INTENT_EVENTS: Readonly<Record<string, PaymentEventType>> = {
  'payment_intent.succeeded': 'payment.succeeded',
  'payment_intent.payment_failed': 'payment.failed',
  'payment_intent.canceled': 'payment.canceled',
};

export function paymentEvent(event: Stripe.Event): PaymentEvent {
  const base = {
    id: event.id,
    provider: STRIPE_PROVIDER,
    rawType: event.type,
    createdAt: new Date(event.created * 1000),
  };
  const object = event.data.object as { object?: string };
  if (object.object === 'payment_intent') {
    const intent = object as Stripe.PaymentIntent;
    const currency = intent.currency.toUpperCase();
    const type = PAYMENT_INTENT_EVENTS[event.type] ?? 'other';
    const failure = type === 'payment.failed' ? failureOf(intent.last_payment_error) : undefined;
    return {
      ...base,
      type,
      providerRef: intent.id,
      ...ours(intent.metadata),
      amount: fromStripeAmount(
        type === 'payment.succeeded' ? intent.amount_received : intent.amount,
        currency,
      ),
      currency,
      ...(failure ? { failure } : {}),
    };
  }
  if (object.object === 'refund' && event.type.startsWith('refund.')) {
    const refund = object as Stripe.Refund;
    const currency = refund.currency.toUpperCase();
    // refund.created/updated report the refund's state; refund.failed always means failed.
    const status = event.type === 'refund.failed' ? 'failed' : refundStatus(refund.status);
    const type: PaymentEventType =
      status === 'succeeded'
        ? 'refund.succeeded'
        : status === 'failed' || status === 'canceled'
          ? 'refund.failed'
          : 'other';
    const providerRef = idOf(refund.payment_intent);
    return {
      ...base,
      type,
      ...(providerRef ? { providerRef } : {}),
      refundRef: refund.id,
      ...ours(refund.metadata),
      amount: fromStripeAmount(refund.amount, currency),
      currency,
      ...(type === 'refund.failed'
        ? { failure: { code: refund.failure_reason ?? status, message: `The refund ${status}` } }
        : {}),
    };
  }
  const metadata = (object as { metadata?: Stripe.Metadata }).metadata;
  return { ...base, type: 'other', ...ours(metadata) };
}

// ---- Errors ---------------------------------------------------------------------------------

async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translate(error, what);
  }
}

function translate(error: unknown, what: string): unknown {
  const errors = Stripe.errors;
  if (!(error instanceof errors.StripeError)) return error;
  const options = {
    ...(error.code ? { providerCode: error.code } : {}),
    ...(error.requestId ? { requestId: error.requestId } : {}),
    cause: error,
  };
  const message = `Stripe, while ${what}: ${error.message}`;
  if (error instanceof errors.StripeIdempotencyError) {
    return new PaymentProviderError('idempotency_conflict', message, options);
  }
  if (error instanceof errors.StripeAuthenticationError || error instanceof errors.StripePermissionError) {
    return new PaymentProviderError('provider_misconfigured', message, options);
  }
  if (error instanceof errors.StripeInvalidRequestError || error instanceof errors.StripeCardError) {
    if (error.code === 'resource_missing') return new PaymentProviderError('not_found', message, options);
    if (error.code?.startsWith('terminal_reader_')) {
      return new PaymentProviderError('reader_unavailable', message, options);
    }
    return new PaymentProviderError('rejected', message, options);
  }
  // Connection failures, Stripe's 5xx and rate limits: worth trying again later.
  return new PaymentProviderError('provider_unavailable', message, options);
}
