// An HTTP fake of the part of Stripe's API that CloudPOS uses, for tests. Stripe has no local server,
// so this is the one stand-in the project allows; it sits exactly at Stripe's boundary and speaks its
// wire formats, so the real `stripe` client talks to it unchanged (host, port, protocol: 'http'):
//
//   requests   form-encoded bodies (`metadata[tenant]=acme`, `payment_method_types[0]=card`), GET
//              parameters in the query string, `Authorization: Bearer <key>` (or Basic, as curl -u)
//   responses  JSON objects with `object` and prefixed ids (pi_, ch_, re_, tmr_, evt_, req_), errors
//              as `{ error: { type, code, decline_code, message, param } }` with Stripe's statuses
//              (400 invalid request or idempotency, 401 bad key, 402 card error, 404 unknown object)
//   idempotency  same `Idempotency-Key` + same parameters → the first response again (with
//              `Idempotent-Replayed: true`); other parameters or another endpoint → 400 idempotency_error
//   webhooks   events POSTed to the configured endpoints, signed as Stripe signs them:
//              `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>" with the secret>`
//
// Implemented: PaymentIntents (create, retrieve, confirm, cancel; automatic capture), Refunds (create,
// retrieve), Terminal readers (register a simulated one with `registration_code=simulated-wpe`, list,
// retrieve, process_payment_intent, cancel_action) and the test helper
// `POST /v1/test_helpers/terminal/readers/:id/present_payment_method`. Test payment methods behave as
// in Stripe's test mode (pm_card_visa succeeds, pm_card_chargeDeclined is declined, ...). Billing
// (stripe-fake-billing.ts): Prices, Checkout Sessions in subscription mode with a hosted payment page
// at /checkout/pay/:id, Customers, Subscriptions (retrieve; update to another price), Invoices, the
// customer portal (billing portal sessions, hosted at /billing_portal/session/:id) and their events. Everything
// else answers 404 like an unknown Stripe URL. Deliveries are not retried on their own: a test calls
// redeliver() to play Stripe's retry (or a replay).
import { createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BillingFakeError, FakeBilling } from './stripe-fake-billing.ts';

export const STRIPE_FAKE_API_VERSION = '2026-10-28.endive';

/** A decoded form body or query string: nested objects and arrays of strings. */
export type StripeParams = { [key: string]: StripeParamValue };
export type StripeParamValue = string | StripeParamValue[] | StripeParams;

export interface RecordedStripeRequest {
  method: string;
  path: string;
  /** Which key authenticated it (undefined when none did). */
  auth: 'secret' | 'publishable' | undefined;
  idempotencyKey: string | undefined;
  userAgent: string;
  /** Every parameter name as sent (`metadata[tenant]`), for assertions about what left the caller. */
  paramNames: string[];
  params: StripeParams;
  rawBody: string;
  status: number;
}

export interface StripeWebhookDelivery {
  eventId: string;
  type: string;
  url: string;
  attempt: number;
  /** HTTP status of the endpoint's answer; 0 when it could not be reached. */
  status: number;
  responseBody: string;
  error?: string;
}

export interface StripeFakeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface StripeFakeOptions {
  secretKey?: string;
  publishableKey?: string;
  /** Webhook endpoints (Stripe's "event destinations"); more can be added later. */
  webhooks?: { url: string; secret?: string }[];
  /** Seconds since the epoch for `created` fields and signatures (tests may move it). */
  now?: () => number;
}

interface TestCard {
  brand: string;
  last4: string;
  funding: 'credit' | 'debit';
  decline?: { code: string; declineCode?: string; message: string };
  /** The refund starts as succeeded and fails a moment later (Stripe's pm_card_refundFail). */
  refundFails?: boolean;
}

const DECLINED: TestCard['decline'] = {
  code: 'card_declined',
  declineCode: 'generic_decline',
  message: 'Your card was declined.',
};

/** Stripe's test payment methods (card-not-present), by id. */
const TEST_PAYMENT_METHODS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242', funding: 'credit' },
  pm_card_visa_debit: { brand: 'visa', last4: '5556', funding: 'debit' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit' },
  pm_card_amex: { brand: 'amex', last4: '8431', funding: 'credit' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', funding: 'credit', decline: DECLINED },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    decline: {
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    },
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    funding: 'credit',
    decline: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  },
  pm_card_chargeDeclinedIncorrectCvc: {
    brand: 'visa',
    last4: '0127',
    funding: 'credit',
    decline: {
      code: 'incorrect_cvc',
      declineCode: 'incorrect_cvc',
      message: "Your card's security code is incorrect.",
    },
  },
  pm_card_refundFail: { brand: 'visa', last4: '5126', funding: 'credit', refundFails: true },
};

/** Card numbers a simulated Terminal reader accepts in present_payment_method (test cards). */
const TEST_CARD_NUMBERS: Record<string, TestCard> = {
  '4242424242424242': TEST_PAYMENT_METHODS.pm_card_visa!,
  '5555555555554444': TEST_PAYMENT_METHODS.pm_card_mastercard!,
  '4000000000000002': TEST_PAYMENT_METHODS.pm_card_chargeDeclined!,
  '4000000000009995': TEST_PAYMENT_METHODS.pm_card_chargeDeclinedInsufficientFunds!,
  '4000000000005126': TEST_PAYMENT_METHODS.pm_card_refundFail!,
};

/**
 * Minimum charge amounts in Stripe's units for a few currencies (others: 1). Amounts are in the
 * currency's smallest unit as Stripe counts it: cents for EUR, whole yen for zero-decimal JPY, and
 * hundredths for ISK (which Stripe keeps two-decimal for compatibility).
 */
const MINIMUM_AMOUNT: Record<string, number> = { usd: 50, eur: 50, gbp: 30, chf: 50, jpy: 50, isk: 100 };

class FakeError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** Parameter validation failures are not stored under an idempotency key (as in Stripe). */
  readonly storable: boolean;
  constructor(status: number, body: Record<string, unknown>, storable = true) {
    super(String(body.message));
    this.status = status;
    this.body = body;
    this.storable = storable;
  }
}

const invalid = (message: string, extra: Record<string, unknown> = {}, storable = false) =>
  new FakeError(400, { type: 'invalid_request_error', message, ...extra }, storable);

const missing = (kind: string, id: string, param: string) =>
  new FakeError(
    404,
    {
      type: 'invalid_request_error',
      code: 'resource_missing',
      message: `No such ${kind}: '${id}'`,
      param,
    },
    false,
  );

type Json = Record<string, unknown>;

interface PaymentIntentState extends Json {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  client_secret: string;
  metadata: Record<string, string>;
  payment_method: string | null;
  payment_method_types: string[];
  last_payment_error: Json | null;
  latest_charge: string | null;
}

interface ChargeState extends Json {
  id: string;
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  payment_intent: string;
  status: string;
}

interface ReaderState extends Json {
  id: string;
  object: 'terminal.reader';
  status: 'online' | 'offline';
  action: Json | null;
}

interface StoredResponse {
  method: string;
  path: string;
  paramsHash: string;
  status: number;
  body: Json;
}

interface Endpoint {
  url: string;
  secret: string;
}

export class StripeFake {
  readonly secretKey: string;
  readonly publishableKey: string;
  readonly requests: RecordedStripeRequest[] = [];
  readonly events: StripeFakeEvent[] = [];
  readonly deliveries: StripeWebhookDelivery[] = [];
  host = '127.0.0.1';
  port = 0;
  readonly protocol = 'http' as const;

  private readonly now: () => number;
  private readonly endpoints: Endpoint[] = [];
  private readonly paymentIntents = new Map<string, PaymentIntentState>();
  private readonly charges = new Map<string, ChargeState>();
  private readonly refunds = new Map<string, Json>();
  private readonly readers = new Map<string, ReaderState>();
  private readonly cards = new Map<string, TestCard>();
  private readonly idempotency = new Map<string, StoredResponse>();
  private readonly pendingDeliveries = new Set<Promise<unknown>>();
  private deliveryChain: Promise<void> = Promise.resolve();
  private server: Server | undefined;
  private stopped = false;
  /** Prices, Checkout Sessions (subscription mode), customers, subscriptions and invoices. */
  readonly billing: FakeBilling;

  constructor(options: StripeFakeOptions = {}) {
    this.secretKey = options.secretKey ?? `sk_test_${randomId(24)}`;
    this.publishableKey = options.publishableKey ?? `pk_test_${randomId(24)}`;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    for (const webhook of options.webhooks ?? []) this.addWebhookEndpoint(webhook.url, webhook.secret);
    this.billing = new FakeBilling({
      now: () => this.now(),
      url: () => this.url,
      emit: (type, object, previous) => this.emit(type, object, undefined, previous),
    });
  }

  /** Starts a fake on a free loopback port. */
  static async start(options: StripeFakeOptions = {}): Promise<StripeFake> {
    const fake = new StripeFake(options);
    await fake.listen();
    return fake;
  }

  get url(): string {
    return `${this.protocol}://${this.host}:${this.port}`;
  }

  /** What the `stripe` client needs to talk to this fake instead of api.stripe.com. */
  get clientConfig(): { host: string; port: number; protocol: 'http' } {
    return { host: this.host, port: this.port, protocol: this.protocol };
  }

  /**
   * The POS API's settings that point its Stripe provider at this fake (services/pos-api config.ts).
   * The webhook secret is the endpoint's when one is given, else one no delivery is signed with.
   */
  posApiEnv(webhookSecret = `whsec_${randomId(32)}`): Record<string, string> {
    return {
      STRIPE_SECRET_KEY: this.secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_HOST: this.host,
      STRIPE_API_PORT: String(this.port),
      STRIPE_API_PROTOCOL: this.protocol,
    };
  }

  /** Registers a webhook endpoint and returns its signing secret (whsec_...). */
  addWebhookEndpoint(url: string, secret = `whsec_${randomId(32)}`): string {
    this.endpoints.push({ url, secret });
    return secret;
  }

  /** A simulated Terminal reader (as `simulated-wpe` registers one in test mode). */
  createReader(
    options: { label?: string; status?: 'online' | 'offline'; metadata?: Record<string, string> } = {},
  ): ReaderState {
    const reader: ReaderState = {
      id: `tmr_${randomId(14)}`,
      object: 'terminal.reader',
      action: null,
      device_sw_version: '2.30.0.0',
      device_type: 'simulated_wisepos_e',
      ip_address: '0.0.0.0',
      label: options.label ?? 'Simulated reader',
      last_seen_at: this.now() * 1000,
      livemode: false,
      location: `tml_${randomId(14)}`,
      metadata: options.metadata ?? {},
      serial_number: `SIM-${randomId(8)}`,
      status: options.status ?? 'online',
    };
    this.readers.set(reader.id, reader);
    return structuredClone(reader);
  }

  setReaderStatus(readerId: string, status: 'online' | 'offline'): void {
    const reader = this.readers.get(readerId);
    if (!reader) throw new Error(`no reader ${readerId}`);
    reader.status = status;
  }

  /** The current state of a PaymentIntent, as Stripe would return it. */
  paymentIntent(id: string): PaymentIntentState | undefined {
    const intent = this.paymentIntents.get(id);
    return intent && structuredClone(intent);
  }

  /** The `Stripe-Signature` header Stripe would send for this payload. */
  signatureHeader(payload: string, secret: string, timestamp = this.now()): string {
    const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
    return `t=${timestamp},v1=${signature}`;
  }

  /** Waits until a delivery matches (the fake delivers after answering the API call, as Stripe). */
  async waitForDelivery(
    predicate: (delivery: StripeWebhookDelivery) => boolean,
    timeoutMs = 10_000,
  ): Promise<StripeWebhookDelivery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.deliveries.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.deliveries.map((d) => `${d.type}→${d.status}`).join(', ') || 'none';
        throw new Error(`no matching webhook delivery within ${timeoutMs} ms; deliveries: ${seen}`);
      }
      await sleep(20);
    }
  }

  /** Every delivery queued so far has been attempted. */
  async settled(): Promise<void> {
    await this.deliveryChain;
  }

  /** Sends an event again, as Stripe does when it retries or when someone resends it. */
  async redeliver(eventId: string): Promise<StripeWebhookDelivery[]> {
    const event = this.events.find((candidate) => candidate.id === eventId);
    if (!event) throw new Error(`no event ${eventId}`);
    return Promise.all(this.endpoints.map((endpoint) => this.deliver(endpoint, event)));
  }

  async listen(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
      });
    });
    this.server.listen(0, this.host);
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.pendingDeliveries]);
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', this.url);
    const method = request.method ?? 'GET';
    const source = method === 'GET' || method === 'DELETE' ? url.search.slice(1) : rawBody;
    // Checkout's hosted payment page: a browser's page, not the API (no key).
    const page = /^\/checkout\/pay\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (page) return this.billing.page(request, response, page[1]!, rawBody);
    // The customer portal's hosted page: a browser's page too.
    const portal = /^\/billing_portal\/session\/([A-Za-z0-9_]+)$/.exec(url.pathname);
    if (portal) return this.billing.portalPage(request, response, portal[1]!, rawBody);
    const { params, names } = parseForm(source);
    const idempotencyKey = header(request, 'idempotency-key');
    const requestId = `req_${randomId(14)}`;
    const recorded: RecordedStripeRequest = {
      method,
      path: url.pathname,
      auth: undefined,
      idempotencyKey,
      userAgent: header(request, 'user-agent') ?? '',
      paramNames: names,
      params,
      rawBody,
      status: 0,
    };
    this.requests.push(recorded);

    const send = (status: number, body: Json, headers: Record<string, string> = {}) => {
      recorded.status = status;
      response.writeHead(status, {
        'content-type': 'application/json',
        'request-id': requestId,
        'stripe-version': header(request, 'stripe-version') ?? STRIPE_FAKE_API_VERSION,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        ...headers,
      });
      response.end(JSON.stringify(body, null, 2));
    };

    try {
      recorded.auth = this.authenticate(header(request, 'authorization'));
      const route = this.route(method, url.pathname);
      if (!route) {
        throw new FakeError(
          404,
          {
            type: 'invalid_request_error',
            message: `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          },
          false,
        );
      }
      if (recorded.auth === 'publishable' && !route.publishable) {
        throw new FakeError(
          401,
          {
            type: 'invalid_request_error',
            message: 'This API call cannot be made with a publishable API key. Please use a secret API key.',
          },
          false,
        );
      }
      // Idempotency applies to POST (GET and DELETE are idempotent by definition).
      const scoped = method === 'POST' && idempotencyKey ? `${recorded.auth}:${idempotencyKey}` : undefined;
      const paramsHash = JSON.stringify(sortKeys(params));
      const stored = scoped ? this.idempotency.get(scoped) : undefined;
      if (stored) {
        if (stored.method !== method || stored.path !== url.pathname || stored.paramsHash !== paramsHash) {
          throw new FakeError(
            400,
            {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            },
            false,
          );
        }
        send(stored.status, stored.body, { 'idempotent-replayed': 'true' });
        return;
      }
      const context: RequestContext = {
        requestId,
        idempotencyKey: idempotencyKey ?? null,
        params,
        auth: recorded.auth,
      };
      let body: Json;
      try {
        try {
          body = route.run(context);
        } catch (error) {
          throw error instanceof BillingFakeError ? new FakeError(error.status, error.body, false) : error;
        }
      } catch (error) {
        if (!(error instanceof FakeError)) throw error;
        if (scoped && error.storable) {
          this.idempotency.set(scoped, {
            method,
            path: url.pathname,
            paramsHash,
            status: error.status,
            body: withRequestLog({ error: error.body }, requestId),
          });
        }
        throw error;
      }
      if (scoped) this.idempotency.set(scoped, { method, path: url.pathname, paramsHash, status: 200, body });
      send(200, body);
    } catch (error) {
      if (!(error instanceof FakeError)) throw error;
      send(error.status, withRequestLog({ error: error.body }, requestId), {
        ...(error.status === 401 ? { 'www-authenticate': 'Bearer realm="Stripe"' } : {}),
      });
    }
  }

  private authenticate(authorization: string | undefined): 'secret' | 'publishable' {
    let key: string | undefined;
    if (authorization?.startsWith('Bearer ')) key = authorization.slice('Bearer '.length).trim();
    else if (authorization?.startsWith('Basic ')) {
      key = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8').split(':')[0];
    }
    if (!key) {
      throw new FakeError(
        401,
        {
          type: 'invalid_request_error',
          message:
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        },
        false,
      );
    }
    if (key === this.secretKey) return 'secret';
    if (key === this.publishableKey) return 'publishable';
    throw new FakeError(
      401,
      {
        type: 'invalid_request_error',
        message: `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
      },
      false,
    );
  }

  private route(method: string, path: string): Route | undefined {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [version, resource, id, action, extra] = parts;
    if (version !== 'v1') return undefined;
    if (resource === 'payment_intents') {
      if (method === 'POST' && parts.length === 2) return { run: (c) => this.createPaymentIntent(c) };
      if (method === 'GET' && parts.length === 3)
        return { publishable: true, run: (c) => this.retrievePaymentIntent(id!, c) };
      if (method === 'POST' && action === 'confirm' && parts.length === 4)
        return { publishable: true, run: (c) => this.confirmPaymentIntent(id!, c) };
      if (method === 'POST' && action === 'cancel' && parts.length === 4)
        return { run: () => this.cancelPaymentIntent(id!) };
    }
    const billing = this.billing.route(method, parts);
    if (billing) return { run: (c) => billing(c.params) };
    if (resource === 'refunds') {
      if (method === 'POST' && parts.length === 2) return { run: (c) => this.createRefund(c) };
      if (method === 'GET' && parts.length === 3) return { run: () => this.retrieveRefund(id!) };
    }
    if (resource === 'terminal' && id === 'readers') {
      const readerId = action;
      if (method === 'POST' && parts.length === 3) return { run: (c) => this.registerReader(c) };
      if (method === 'GET' && parts.length === 3) return { run: (c) => this.listReaders(c) };
      if (method === 'GET' && parts.length === 4) return { run: () => this.retrieveReader(readerId!) };
      if (method === 'POST' && extra === 'process_payment_intent' && parts.length === 5)
        return { run: (c) => this.processPaymentIntent(readerId!, c) };
      if (method === 'POST' && extra === 'cancel_action' && parts.length === 5)
        return { run: () => this.cancelReaderAction(readerId!) };
    }
    if (
      resource === 'test_helpers' &&
      id === 'terminal' &&
      action === 'readers' &&
      parts[5] === 'present_payment_method' &&
      method === 'POST' &&
      parts.length === 6
    ) {
      return { run: (c) => this.presentPaymentMethod(extra!, c) };
    }
    return undefined;
  }

  // ---- PaymentIntents ------------------------------------------------------------------------

  private createPaymentIntent({ params, requestId, idempotencyKey }: RequestContext): Json {
    const amount = integerParam(params, 'amount');
    const currency = stringParam(params, 'currency')?.toLowerCase();
    if (amount === undefined) throw invalid('Missing required param: amount.', { param: 'amount' });
    if (!currency) throw invalid('Missing required param: currency.', { param: 'currency' });
    checkAmount(amount, currency);
    // `allowed_payment_method_types` in current API versions (stripe-node 23+); `payment_method_types` before.
    const types = params.allowed_payment_method_types ?? params.payment_method_types;
    const paymentMethodTypes = Array.isArray(types) ? types.map(String) : ['card'];
    for (const type of paymentMethodTypes) {
      if (!['card', 'card_present'].includes(type)) {
        throw invalid(`The payment method type provided: ${type} is invalid.`, {
          param: 'allowed_payment_method_types',
        });
      }
    }
    const captureMethod = stringParam(params, 'capture_method') ?? 'automatic';
    if (captureMethod !== 'automatic' && captureMethod !== 'automatic_async') {
      // Manual capture (requires_capture) is not part of this fake: CloudPOS captures at once.
      throw invalid('The fake supports capture_method=automatic only.', { param: 'capture_method' });
    }
    const id = `pi_${randomId(24)}`;
    const intent: PaymentIntentState = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod,
      client_secret: `${id}_secret_${randomId(24)}`,
      confirmation_method: 'automatic',
      created: this.now(),
      currency,
      description: stringParam(params, 'description') ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: metadataParam(params),
      payment_method: null,
      allowed_payment_method_types: paymentMethodTypes,
      payment_method_types: paymentMethodTypes,
      statement_descriptor: stringParam(params, 'statement_descriptor') ?? null,
      status: 'requires_payment_method',
    };
    this.paymentIntents.set(id, intent);
    this.emit('payment_intent.created', intent, { requestId, idempotencyKey });
    return structuredClone(intent);
  }

  private retrievePaymentIntent(id: string, { params, auth }: RequestContext): Json {
    const intent = this.paymentIntents.get(id);
    if (!intent) throw missing('payment_intent', id, 'intent');
    checkClientSecret(intent, params, auth);
    return structuredClone(intent);
  }

  /** What Stripe.js does in the browser with the client secret (publishable key) or a server call. */
  private confirmPaymentIntent(
    id: string,
    { params, requestId, idempotencyKey, auth }: RequestContext,
  ): Json {
    const intent = this.paymentIntents.get(id);
    if (!intent) throw missing('payment_intent', id, 'intent');
    checkClientSecret(intent, params, auth);
    if (params.payment_method_data !== undefined || params.card !== undefined) {
      // Stripe refuses raw card numbers from servers unless the account is explicitly allowed to.
      throw invalid(
        'Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://stripe.com/docs/testing.',
      );
    }
    if (!['requires_payment_method', 'requires_confirmation'].includes(intent.status)) {
      throw unexpectedState(intent, 'confirm', ['requires_payment_method', 'requires_confirmation']);
    }
    if (!intent.payment_method_types.includes('card')) {
      throw invalid(
        'This PaymentIntent is for a card_present payment: it is collected on a Terminal reader.',
        { param: 'payment_method' },
      );
    }
    const paymentMethod = stringParam(params, 'payment_method');
    if (!paymentMethod) {
      throw invalid(
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
        { code: 'payment_intent_unexpected_state', param: 'payment_method' },
      );
    }
    const card = TEST_PAYMENT_METHODS[paymentMethod];
    if (!card) throw missing('PaymentMethod', paymentMethod, 'payment_method');
    const origin = { requestId, idempotencyKey };
    const outcome = this.charge(intent, card, 'card', origin);
    if (outcome.declined) {
      throw new FakeError(402, {
        ...outcome.declined,
        payment_intent: structuredClone(intent),
      });
    }
    return structuredClone(intent);
  }

  private cancelPaymentIntent(id: string): Json {
    const intent = this.paymentIntents.get(id);
    if (!intent) throw missing('payment_intent', id, 'intent');
    const cancelable = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing'];
    if (!cancelable.includes(intent.status)) {
      throw new FakeError(400, {
        type: 'invalid_request_error',
        code: 'payment_intent_unexpected_state',
        message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${cancelable.join(', ')}.`,
      });
    }
    Object.assign(intent, {
      status: 'canceled',
      canceled_at: this.now(),
      cancellation_reason: 'requested_by_customer',
    });
    for (const reader of this.readers.values()) {
      const action = reader.action as {
        status?: string;
        process_payment_intent?: { payment_intent?: string };
      };
      if (action?.status === 'in_progress' && action.process_payment_intent?.payment_intent === id) {
        reader.action = { ...reader.action, status: 'failed', failure_code: 'intent_canceled' };
      }
    }
    this.emit('payment_intent.canceled', intent);
    return structuredClone(intent);
  }

  /** Charges the intent with a test card: succeeded, or declined (the intent waits for another card). */
  private charge(
    intent: PaymentIntentState,
    card: TestCard,
    kind: 'card' | 'card_present',
    origin: { requestId: string; idempotencyKey: string | null },
  ): { declined?: Json } {
    const paymentMethodId = `pm_${randomId(24)}`;
    const charge: ChargeState = {
      id: `ch_${randomId(24)}`,
      object: 'charge',
      amount: intent.amount,
      amount_captured: card.decline ? 0 : intent.amount,
      amount_refunded: 0,
      balance_transaction: card.decline ? null : `txn_${randomId(24)}`,
      captured: !card.decline,
      created: this.now(),
      currency: intent.currency,
      failure_code: card.decline?.code ?? null,
      failure_message: card.decline?.message ?? null,
      livemode: false,
      // Stripe copies the PaymentIntent's metadata to its charges.
      metadata: { ...intent.metadata },
      outcome: card.decline
        ? { network_status: 'declined_by_network', reason: card.decline.declineCode, type: 'issuer_declined' }
        : { network_status: 'approved_by_network', reason: null, type: 'authorized' },
      paid: !card.decline,
      payment_intent: intent.id,
      payment_method: paymentMethodId,
      payment_method_details: {
        type: kind,
        [kind]: {
          brand: card.brand,
          last4: card.last4,
          funding: card.funding,
          exp_month: 12,
          exp_year: 2034,
          ...(kind === 'card_present' ? { read_method: 'contactless_emv' } : {}),
        },
      },
      refunded: false,
      status: card.decline ? 'failed' : 'succeeded',
    };
    this.charges.set(charge.id, charge);
    this.cards.set(charge.id, card);
    intent.latest_charge = charge.id;
    if (card.decline) {
      const error = {
        type: 'card_error',
        code: card.decline.code,
        decline_code: card.decline.declineCode,
        message: card.decline.message,
        charge: charge.id,
        doc_url: `https://stripe.com/docs/error-codes/${card.decline.code.replaceAll('_', '-')}`,
        payment_method: { id: paymentMethodId, object: 'payment_method', type: kind },
      };
      Object.assign(intent, {
        status: 'requires_payment_method',
        payment_method: null,
        last_payment_error: error,
      });
      this.emit('charge.failed', charge, origin);
      this.emit('payment_intent.payment_failed', intent, origin);
      return { declined: error };
    }
    Object.assign(intent, {
      status: 'succeeded',
      amount_received: intent.amount,
      payment_method: paymentMethodId,
      last_payment_error: null,
    });
    this.emit('charge.succeeded', charge, origin);
    this.emit('payment_intent.succeeded', intent, origin);
    return {};
  }

  // ---- Refunds -------------------------------------------------------------------------------

  private createRefund({ params, requestId, idempotencyKey }: RequestContext): Json {
    const intentId = stringParam(params, 'payment_intent');
    const chargeId = stringParam(params, 'charge');
    if (!intentId && !chargeId) {
      throw invalid(
        'One of the following params should be provided for this request: payment_intent or charge.',
      );
    }
    let charge: ChargeState | undefined;
    if (intentId) {
      const intent = this.paymentIntents.get(intentId);
      if (!intent) throw missing('payment_intent', intentId, 'payment_intent');
      charge = intent.latest_charge ? this.charges.get(intent.latest_charge) : undefined;
      if (!charge || charge.status !== 'succeeded') {
        throw invalid(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, {
          param: 'payment_intent',
        });
      }
    } else {
      charge = this.charges.get(chargeId!);
      if (!charge) throw missing('charge', chargeId!, 'charge');
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) {
      throw new FakeError(400, {
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
        message: `Charge ${charge.id} has already been refunded.`,
      });
    }
    const amount = integerParam(params, 'amount') ?? remaining;
    if (amount <= 0) throw invalid('Invalid positive integer', { param: 'amount' });
    if (amount > remaining) {
      throw new FakeError(400, {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        param: 'amount',
        message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
      });
    }
    const refund: Json & { id: string } = {
      id: `re_${randomId(24)}`,
      object: 'refund',
      amount,
      balance_transaction: `txn_${randomId(24)}`,
      charge: charge.id,
      created: this.now(),
      currency: charge.currency,
      metadata: metadataParam(params),
      payment_intent: charge.payment_intent,
      reason: stringParam(params, 'reason') ?? null,
      receipt_number: null,
      status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    const origin = { requestId, idempotencyKey };
    this.emit('refund.created', refund, origin);
    this.emit('charge.refunded', charge, origin);
    if (this.cards.get(charge.id)?.refundFails) {
      // Stripe's refundFail card: the refund is accepted, then fails a moment later.
      setImmediate(() => this.failRefund(refund.id));
    }
    return structuredClone(refund);
  }

  private failRefund(refundId: string): void {
    const refund = this.refunds.get(refundId);
    if (!refund || this.stopped) return;
    const charge = this.charges.get(String(refund.charge));
    Object.assign(refund, {
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
      failure_balance_transaction: `txn_${randomId(24)}`,
    });
    if (charge) {
      charge.amount_refunded -= Number(refund.amount);
      charge.refunded = false;
    }
    this.emit('refund.updated', refund, undefined, { status: 'succeeded' });
    this.emit('charge.refund.updated', refund, undefined, { status: 'succeeded' });
    this.emit('refund.failed', refund);
  }

  private retrieveRefund(id: string): Json {
    const refund = this.refunds.get(id);
    if (!refund) throw missing('refund', id, 'refund');
    return structuredClone(refund);
  }

  // ---- Terminal ------------------------------------------------------------------------------

  private reader(id: string): ReaderState {
    const reader = this.readers.get(id);
    if (!reader) throw missing('terminal.reader', id, 'reader');
    return reader;
  }

  private retrieveReader(id: string): Json {
    return structuredClone(this.reader(id));
  }

  /**
   * Registers a reader. Only Stripe's code for a simulated WisePOS E is known here (a real reader's
   * code comes from its screen); as in test mode, it makes a reader that is online at once.
   */
  private registerReader({ params }: RequestContext): Json {
    const code = stringParam(params, 'registration_code');
    if (!code) throw invalid('Missing required param: registration_code.', { param: 'registration_code' });
    if (code !== 'simulated-wpe') {
      throw invalid('Invalid registration code. Please try again.', {
        code: 'terminal_reader_invalid_registration_code',
        param: 'registration_code',
      });
    }
    const reader = this.createReader({
      ...(stringParam(params, 'label') ? { label: stringParam(params, 'label')! } : {}),
      metadata: metadataParam(params),
    });
    const location = stringParam(params, 'location');
    if (location) this.readers.get(reader.id)!.location = location;
    return this.retrieveReader(reader.id);
  }

  /** Stripe's list shape; `limit` (1 to 100, default 10) and `status` filter, newest first. */
  private listReaders({ params }: RequestContext): Json {
    const limit = integerParam(params, 'limit') ?? 10;
    if (limit < 1 || limit > 100)
      throw invalid('Invalid limit: must be between 1 and 100', { param: 'limit' });
    const status = stringParam(params, 'status');
    const readers = [...this.readers.values()]
      .reverse()
      .filter((reader) => status === undefined || reader.status === status);
    return {
      object: 'list',
      data: readers.slice(0, limit).map((reader) => structuredClone(reader)),
      has_more: readers.length > limit,
      url: '/v1/terminal/readers',
    };
  }

  private processPaymentIntent(readerId: string, { params }: RequestContext): Json {
    const reader = this.reader(readerId);
    const intentId = stringParam(params, 'payment_intent');
    if (!intentId) throw invalid('Missing required param: payment_intent.', { param: 'payment_intent' });
    const intent = this.paymentIntents.get(intentId);
    if (!intent) throw missing('payment_intent', intentId, 'payment_intent');
    if (reader.status === 'offline') {
      throw new FakeError(400, {
        type: 'invalid_request_error',
        code: 'terminal_reader_offline',
        message:
          'Reader is currently offline, please ensure the reader is powered on and connected to the internet before retrying your request.',
      });
    }
    const action = reader.action as { status?: string } | null;
    if (action?.status === 'in_progress') {
      throw new FakeError(400, {
        type: 'invalid_request_error',
        code: 'terminal_reader_busy',
        message:
          'Reader is currently busy processing another request. Please reference the integration guide for more information.',
      });
    }
    if (!intent.payment_method_types.includes('card_present')) {
      throw invalid('The PaymentIntent must include card_present in payment_method_types.', {
        param: 'payment_intent',
      });
    }
    if (intent.status !== 'requires_payment_method') {
      throw unexpectedState(intent, 'process', ['requires_payment_method']);
    }
    reader.action = {
      type: 'process_payment_intent',
      status: 'in_progress',
      failure_code: null,
      failure_message: null,
      process_payment_intent: { payment_intent: intent.id },
    };
    this.emit('terminal.reader.action_updated', reader);
    return structuredClone(reader);
  }

  private cancelReaderAction(readerId: string): Json {
    const reader = this.reader(readerId);
    const action = reader.action as { status?: string } | null;
    if (action?.status !== 'in_progress') {
      throw new FakeError(400, {
        type: 'invalid_request_error',
        code: 'terminal_reader_invalid_state',
        message: 'Reader has no action in progress to cancel.',
      });
    }
    reader.action = {
      ...reader.action,
      status: 'failed',
      failure_code: 'canceled',
      failure_message: 'Canceled',
    };
    return structuredClone(reader);
  }

  /** The test helper: a customer taps or inserts a card on the simulated reader. */
  private presentPaymentMethod(
    readerId: string,
    { params, requestId, idempotencyKey }: RequestContext,
  ): Json {
    const reader = this.reader(readerId);
    const action = reader.action as {
      status?: string;
      process_payment_intent?: { payment_intent: string };
    } | null;
    if (action?.status !== 'in_progress' || !action.process_payment_intent) {
      throw new FakeError(400, {
        type: 'invalid_request_error',
        code: 'terminal_reader_invalid_state',
        message: 'The reader has no payment in progress to present a payment method to.',
      });
    }
    const intent = this.paymentIntents.get(action.process_payment_intent.payment_intent)!;
    const cardPresent = params.card_present as StripeParams | undefined;
    const number = typeof cardPresent?.number === 'string' ? cardPresent.number : '4242424242424242';
    const card = TEST_CARD_NUMBERS[number];
    if (!card)
      throw invalid(`Unsupported test card number for a simulated reader.`, {
        param: 'card_present[number]',
      });
    const outcome = this.charge(intent, card, 'card_present', { requestId, idempotencyKey });
    reader.action = outcome.declined
      ? {
          ...reader.action,
          status: 'failed',
          failure_code: String(outcome.declined.code),
          failure_message: String(outcome.declined.message),
        }
      : { ...reader.action, status: 'succeeded' };
    this.emit(
      outcome.declined ? 'terminal.reader.action_failed' : 'terminal.reader.action_succeeded',
      reader,
    );
    return structuredClone(reader);
  }

  // ---- Events and webhooks -------------------------------------------------------------------

  private emit(
    type: string,
    object: Json,
    origin?: { requestId: string; idempotencyKey: string | null },
    previous?: Json,
  ): void {
    const event: StripeFakeEvent = {
      id: `evt_${randomId(24)}`,
      object: 'event',
      api_version: STRIPE_FAKE_API_VERSION,
      created: this.now(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: this.endpoints.length,
      request: { id: origin?.requestId ?? null, idempotency_key: origin?.idempotencyKey ?? null },
      type,
    };
    this.events.push(event);
    // Delivered after the API response, in order, one at a time (Stripe does not promise order;
    // tests that care replay or reorder explicitly).
    for (const endpoint of this.endpoints) {
      this.deliveryChain = this.deliveryChain.then(async () => {
        await this.deliver(endpoint, event);
      });
    }
  }

  private async deliver(endpoint: Endpoint, event: StripeFakeEvent): Promise<StripeWebhookDelivery> {
    const attempt =
      this.deliveries.filter((d) => d.eventId === event.id && d.url === endpoint.url).length + 1;
    const payload = JSON.stringify(event, null, 2);
    const delivery: StripeWebhookDelivery = {
      eventId: event.id,
      type: event.type,
      url: endpoint.url,
      attempt,
      status: 0,
      responseBody: '',
    };
    if (this.stopped) return delivery;
    const attemptPromise = (async () => {
      try {
        const response = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
            'stripe-signature': this.signatureHeader(payload, endpoint.secret),
          },
          body: payload,
          signal: AbortSignal.timeout(10_000),
        });
        delivery.status = response.status;
        delivery.responseBody = await response.text();
      } catch (error) {
        delivery.error = error instanceof Error ? error.message : String(error);
      }
      this.deliveries.push(delivery);
    })();
    this.pendingDeliveries.add(attemptPromise);
    try {
      await attemptPromise;
    } finally {
      this.pendingDeliveries.delete(attemptPromise);
    }
    return delivery;
  }
}

interface RequestContext {
  requestId: string;
  idempotencyKey: string | null;
  params: StripeParams;
  auth: 'secret' | 'publishable' | undefined;
}

/** With the publishable key (a browser), the intent's client secret is the proof of access. */
function checkClientSecret(
  intent: PaymentIntentState,
  params: StripeParams,
  auth: RequestContext['auth'],
): void {
  const clientSecret = stringParam(params, 'client_secret');
  if (auth === 'publishable' && clientSecret === undefined) {
    throw invalid('Missing required param: client_secret.', { param: 'client_secret' });
  }
  if (clientSecret !== undefined && clientSecret !== intent.client_secret) {
    throw invalid(
      'The client_secret provided does not match the client_secret associated with the PaymentIntent.',
      { param: 'client_secret' },
    );
  }
}

interface Route {
  /** Also allowed with the publishable key (what Stripe.js in a browser may call). */
  publishable?: boolean;
  run(context: RequestContext): Json;
}

function unexpectedState(intent: PaymentIntentState, verb: string, expected: string[]): FakeError {
  return new FakeError(400, {
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message: `You cannot ${verb} this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be ${verb === 'confirm' ? 'confirmed' : 'processed'}: ${expected.join(', ')}.`,
    payment_intent: structuredClone(intent),
  });
}

function checkAmount(amount: number, currency: string): void {
  if (!Number.isSafeInteger(amount) || amount < 1) {
    throw invalid('This value must be greater than or equal to 1.', {
      param: 'amount',
      code: 'parameter_invalid_integer',
    });
  }
  const minimum = MINIMUM_AMOUNT[currency] ?? 1;
  if (amount < minimum) {
    throw invalid(`Amount must be at least ${minimum} ${currency}`, {
      code: 'amount_too_small',
      param: 'amount',
    });
  }
  if (currency === 'isk' && amount % 100 !== 0) {
    throw invalid(
      'Invalid amount. Currency ISK has become effectively zero-decimal and charged amounts must be evenly divisible by 100. See https://stripe.com/docs/currencies#special-cases for more information.',
      { code: 'invalid_charge_amount_no_decimal_compatible', param: 'amount' },
    );
  }
}

function withRequestLog(body: { error: Json }, requestId: string): Json {
  return { error: { ...body.error, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function stringParam(params: StripeParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}

function integerParam(params: StripeParams, name: string): number | undefined {
  const value = stringParam(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalid('Invalid integer: ' + value, { param: name });
  return Number(value);
}

function metadataParam(params: StripeParams): Record<string, string> {
  const metadata = params.metadata;
  if (metadata === undefined || metadata === '') return {};
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    throw invalid('Invalid metadata', { param: 'metadata' });
  const entries = Object.entries(metadata);
  if (entries.length > 50) throw invalid('Invalid metadata: at most 50 keys', { param: 'metadata' });
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.length > 40 || value.length > 500) {
      throw invalid(`Invalid metadata value for ${key}`, { param: `metadata[${key}]` });
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Decodes Stripe's form encoding (the `qs` bracket style stripe-node writes): `a[b][c]=1`,
 * `list[0]=x`, `list[]=y`. Objects whose keys are 0..n-1 become arrays.
 */
export function parseForm(text: string): { params: StripeParams; names: string[] } {
  const root: StripeParams = {};
  const names: string[] = [];
  for (const [name, value] of new URLSearchParams(text)) {
    names.push(name);
    const path = name.match(/^[^[\]]+|\[[^[\]]*\]/g)?.map((part) => part.replace(/^\[|\]$/g, '')) ?? [name];
    let node: StripeParams = root;
    path.forEach((segment, index) => {
      const key = segment === '' ? String(Object.keys(node).length) : segment;
      if (index === path.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key];
      if (typeof next !== 'object' || Array.isArray(next)) node[key] = {};
      node = node[key] as StripeParams;
    });
  }
  return { params: toArrays(root) as StripeParams, names };
}

function toArrays(value: StripeParamValue): StripeParamValue {
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const converted = Object.fromEntries(keys.map((key) => [key, toArrays(value[key]!)]));
  const isList = keys.length > 0 && keys.every((key, index) => key === String(index));
  return isList ? keys.map((key) => converted[key]!) : converted;
}

function sortKeys(value: StripeParamValue): unknown {
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key]!)]),
  );
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomId(length: number): string {
  return [...randomBytes(length)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('');
}
