// The billing half of the Stripe fake: Prices, Checkout Sessions in subscription mode with a hosted
// payment page, Customers, Subscriptions and Invoices, the customer portal (billing portal sessions
// with a hosted page), subscription updates (a new price), and the events Stripe sends for them. The
// payment page is plain HTML a browser test "pays" on; paying creates the customer (unless the
// session names one), an active subscription and a paid invoice, emits their events
// (checkout.session.completed last) and sends the browser to the session's success_url, as Stripe's
// Checkout does. The portal page lists the customer's subscriptions, each with the prices; choosing
// one switches that subscription to it (customer.subscription.updated) and sends the browser back to
// the session's return_url.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Json = Record<string, unknown>;
type Params = Record<string, unknown>;

export interface BillingHost {
  now(): number;
  /** The fake's base URL (the hosted pages live there). */
  url(): string;
  /** `previous` becomes the event's data.previous_attributes (what an update changed). */
  emit(type: string, object: Json, previous?: Json): void;
}

export class BillingFakeError extends Error {
  readonly status: number;
  readonly body: Json;
  constructor(status: number, body: Json) {
    super(String(body.message));
    this.status = status;
    this.body = body;
  }
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const invalid = (message: string, param?: string) =>
  new BillingFakeError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}) });
const missing = (kind: string, objectId: string) =>
  new BillingFakeError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${objectId}'`,
    param: 'id',
  });
const str = (params: Params, name: string) => (typeof params[name] === 'string' ? params[name] : undefined);
const obj = (params: Params, name: string) =>
  params[name] && typeof params[name] === 'object' && !Array.isArray(params[name])
    ? (params[name] as Params)
    : {};
const metadataOf = (params: Params) =>
  Object.fromEntries(Object.entries(obj(params, 'metadata')).map(([k, v]) => [k, String(v)]));

export class FakeBilling {
  readonly prices = new Map<string, Json>();
  readonly sessions = new Map<string, Json>();
  readonly customers = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  readonly invoices = new Map<string, Json>();
  readonly portalSessions = new Map<string, Json>();
  private readonly host: BillingHost;

  constructor(host: BillingHost) {
    this.host = host;
  }

  /** A recurring price (as the dashboard or POST /v1/prices makes one). */
  createPrice(options: {
    unitAmount: number;
    currency: string;
    interval?: 'month' | 'year';
    nickname?: string;
  }): Json {
    const price: Json = {
      id: id('price'),
      object: 'price',
      active: true,
      billing_scheme: 'per_unit',
      created: this.host.now(),
      currency: options.currency.toLowerCase(),
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: options.nickname ?? null,
      product: id('prod'),
      recurring: { interval: options.interval ?? 'month', interval_count: 1, usage_type: 'licensed' },
      tax_behavior: 'unspecified',
      type: 'recurring',
      unit_amount: options.unitAmount,
      unit_amount_decimal: String(options.unitAmount),
    };
    this.prices.set(price.id as string, price);
    return structuredClone(price);
  }

  /**
   * Test helper: the subscription's renewal charge fails (as Stripe's smart retries report it): a
   * new open invoice, the subscription past_due, invoice.payment_failed and
   * customer.subscription.updated.
   */
  failRenewal(subscriptionId: string): void {
    const subscription = this.subscription(subscriptionId);
    const invoice = this.renewalInvoice(subscription, 'open');
    subscription.status = 'past_due';
    subscription.latest_invoice = invoice.id;
    this.host.emit('invoice.payment_failed', invoice);
    this.host.emit('customer.subscription.updated', subscription);
  }

  /** Test helper: the open renewal invoice is paid (a new card): invoice.paid, subscription active. */
  payRenewal(subscriptionId: string): void {
    const subscription = this.subscription(subscriptionId);
    const invoice = this.invoices.get(subscription.latest_invoice as string)!;
    Object.assign(invoice, { status: 'paid', amount_paid: invoice.amount_due, amount_remaining: 0 });
    subscription.status = 'active';
    this.host.emit('invoice.paid', invoice);
    this.host.emit('customer.subscription.updated', subscription);
  }

  /** Test helper: the subscription ends (canceled by the customer or after failed retries). */
  cancelSubscription(subscriptionId: string): void {
    const subscription = this.subscription(subscriptionId);
    Object.assign(subscription, {
      status: 'canceled',
      canceled_at: this.host.now(),
      ended_at: this.host.now(),
    });
    this.host.emit('customer.subscription.deleted', subscription);
  }

  /**
   * Test helper: the customer switches the subscription to another price, as in the customer
   * portal: the item's price changes at once and customer.subscription.updated is sent with the
   * old items in previous_attributes.
   */
  changePrice(subscriptionId: string, priceId: string): Json {
    const subscription = this.subscription(subscriptionId);
    const price = this.prices.get(priceId);
    if (!price) throw invalid(`No such price: '${priceId}'`, 'items[0][price]');
    const items = subscription.items as { data: Json[] };
    const previous = { items: structuredClone(subscription.items) };
    const item = items.data[0]!;
    if ((item.price as Json).id === priceId) return structuredClone(subscription);
    item.price = structuredClone(price);
    this.host.emit('customer.subscription.updated', subscription, previous);
    return structuredClone(subscription);
  }

  private subscription(subscriptionId: string): Json {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
    return subscription;
  }

  private renewalInvoice(subscription: Json, status: 'open' | 'paid'): Json {
    const items = (subscription.items as { data: { price: Json; quantity: number }[] }).data;
    const amount = items.reduce((sum, item) => sum + (item.price.unit_amount as number) * item.quantity, 0);
    const invoice: Json = {
      id: id('in'),
      object: 'invoice',
      amount_due: amount,
      amount_paid: status === 'paid' ? amount : 0,
      amount_remaining: status === 'paid' ? 0 : amount,
      attempt_count: 1,
      billing_reason: 'subscription_cycle',
      created: this.host.now(),
      currency: subscription.currency,
      customer: subscription.customer,
      livemode: false,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: subscription.id, metadata: {} },
      },
      status,
    };
    this.invoices.set(invoice.id as string, invoice);
    return invoice;
  }

  /** The API routes of this half, or undefined when the path is not one of them. */
  route(method: string, parts: string[]): ((params: Params) => Json) | undefined {
    const [, resource, first, second] = parts;
    const get =
      <T>(map: Map<string, T>, kind: string) =>
      () => {
        const found = map.get(first!);
        if (!found) throw missing(kind, first!);
        return structuredClone(found) as Json;
      };
    if (resource === 'prices') {
      if (method === 'POST' && parts.length === 2)
        return (params) =>
          this.createPrice({
            unitAmount: Number(str(params, 'unit_amount')),
            currency: str(params, 'currency') ?? 'eur',
            interval: (str(obj(params, 'recurring'), 'interval') as 'month' | 'year' | undefined) ?? 'month',
          });
      if (method === 'GET' && parts.length === 3) return get(this.prices, 'price');
    }
    if (resource === 'checkout' && first === 'sessions') {
      if (method === 'POST' && parts.length === 3) return (params) => this.createSession(params);
      if (method === 'GET' && parts.length === 4) {
        return () => {
          const session = this.sessions.get(second!);
          if (!session) throw missing('checkout.session', second!);
          return structuredClone(session);
        };
      }
    }
    if (resource === 'customers' && method === 'POST' && parts.length === 2)
      return (params) => this.createCustomer(params);
    if (resource === 'billing_portal' && first === 'sessions' && method === 'POST' && parts.length === 3)
      return (params) => this.createPortalSession(params);
    if (resource === 'subscriptions' && method === 'POST' && parts.length === 3)
      return (params) => this.updateSubscription(first!, params);
    if (method === 'GET' && parts.length === 3) {
      if (resource === 'subscriptions') return get(this.subscriptions, 'subscription');
      if (resource === 'customers') return get(this.customers, 'customer');
      if (resource === 'invoices') return get(this.invoices, 'invoice');
    }
    return undefined;
  }

  /** POST /v1/customers: `email`, `name` and `metadata`, as CloudPOS sends them. */
  private createCustomer(params: Params): Json {
    const customer: Json = {
      id: id('cus'),
      object: 'customer',
      created: this.host.now(),
      email: str(params, 'email') ?? null,
      livemode: false,
      metadata: metadataOf(params),
      name: str(params, 'name') ?? null,
    };
    this.customers.set(customer.id as string, customer);
    this.host.emit('customer.created', customer);
    return structuredClone(customer);
  }

  /** POST /v1/billing_portal/sessions: a short-lived link to the customer portal for one customer. */
  private createPortalSession(params: Params): Json {
    const customer = str(params, 'customer');
    if (!customer) throw invalid('Missing required param: customer.', 'customer');
    if (!this.customers.has(customer)) throw missing('customer', customer);
    const session: Json = {
      id: id('bps'),
      object: 'billing_portal.session',
      configuration: id('bpc'),
      created: this.host.now(),
      customer,
      flow: null,
      livemode: false,
      locale: str(params, 'locale') ?? null,
      on_behalf_of: null,
      return_url: str(params, 'return_url') ?? null,
      url: '',
    };
    session.url = `${this.host.url()}/billing_portal/session/${session.id as string}`;
    this.portalSessions.set(session.id as string, session);
    return structuredClone(session);
  }

  /**
   * POST /v1/subscriptions/:id: the parts CloudPOS sends: `items[0][id]` with `items[0][price]` (a
   * plan switch), `proration_behavior` and `metadata`. An item id that is not the subscription's is
   * refused as Stripe refuses it.
   */
  private updateSubscription(subscriptionId: string, params: Params): Json {
    const subscription = this.subscriptions.get(subscriptionId);
    if (!subscription) throw missing('subscription', subscriptionId);
    if (subscription.status === 'canceled')
      throw invalid(
        'A canceled subscription can only update its cancellation_details and metadata.',
        'items',
      );
    const behavior = str(params, 'proration_behavior');
    if (behavior && !['create_prorations', 'none', 'always_invoice'].includes(behavior))
      throw invalid(`Invalid proration_behavior: ${behavior}`, 'proration_behavior');
    const metadata = metadataOf(params);
    if (Object.keys(metadata).length > 0)
      subscription.metadata = { ...(subscription.metadata as Json), ...metadata };
    const items = Array.isArray(params.items) ? (params.items as Params[]) : [];
    if (items.length > 1) throw invalid('The fake switches one item at a time.', 'items');
    const [change] = items;
    if (!change) return structuredClone(subscription);
    const own = (subscription.items as { data: Json[] }).data[0]!;
    if (str(change, 'id') !== own.id)
      throw invalid(`Invalid subscription item: ${str(change, 'id') ?? '(none)'}`, 'items[0][id]');
    const priceId = str(change, 'price');
    if (!priceId) throw invalid('Missing required param: items[0][price].', 'items[0][price]');
    return this.changePrice(subscriptionId, priceId);
  }

  /**
   * Serves the customer portal (GET): every subscription of the session's customer that has not
   * ended, each with the prices; takes a plan switch on it (POST `subscription` and `price`).
   */
  portalPage(request: IncomingMessage, response: ServerResponse, sessionId: string, body: string): void {
    const session = this.portalSessions.get(sessionId);
    const subscriptions = session
      ? [...this.subscriptions.values()].filter(
          (candidate) => candidate.customer === session.customer && candidate.status !== 'canceled',
        )
      : [];
    if (!session || subscriptions.length === 0) {
      response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Not found</title><p>This billing page does not exist.</p>');
      return;
    }
    if (request.method === 'POST') {
      const form = new URLSearchParams(body);
      const priceId = form.get('price') ?? '';
      const subscription = subscriptions.find((candidate) => candidate.id === form.get('subscription'));
      if (!subscription || !this.prices.has(priceId)) {
        response.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        response.end(portalPage(session, subscriptions, [...this.prices.values()], 'Choose a plan.'));
        return;
      }
      this.changePrice(subscription.id as string, priceId);
      response.writeHead(303, {
        location: typeof session.return_url === 'string' ? session.return_url : this.host.url(),
      });
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(portalPage(session, subscriptions, [...this.prices.values()]));
  }

  private createSession(params: Params): Json {
    const mode = str(params, 'mode');
    if (!mode) throw invalid('Missing required param: mode.', 'mode');
    if (mode !== 'subscription') throw invalid('The fake supports mode=subscription only.', 'mode');
    const successUrl = str(params, 'success_url');
    if (!successUrl) throw invalid('Missing required param: success_url.', 'success_url');
    const items = Array.isArray(params.line_items) ? (params.line_items as Params[]) : [];
    if (items.length === 0) throw invalid('Missing required param: line_items.', 'line_items');
    const lines = items.map((item, index) => {
      const priceId = str(item, 'price');
      const price = priceId ? this.prices.get(priceId) : undefined;
      if (!price) throw invalid(`No such price: '${priceId}'`, `line_items[${index}][price]`);
      return { price, quantity: Number(str(item, 'quantity') ?? '1') };
    });
    const currency = lines[0]!.price.currency as string;
    const customer = str(params, 'customer');
    if (customer && str(params, 'customer_email'))
      throw invalid('You may only specify one of these parameters: customer, customer_email.', 'customer');
    if (customer && !this.customers.has(customer)) throw missing('customer', customer);
    const session: Json = {
      id: `cs_test_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`,
      object: 'checkout.session',
      amount_subtotal: lines.reduce(
        (sum, line) => sum + (line.price.unit_amount as number) * line.quantity,
        0,
      ),
      amount_total: lines.reduce((sum, line) => sum + (line.price.unit_amount as number) * line.quantity, 0),
      cancel_url: str(params, 'cancel_url') ?? null,
      client_reference_id: str(params, 'client_reference_id') ?? null,
      created: this.host.now(),
      currency,
      customer: customer ?? null,
      customer_email: str(params, 'customer_email') ?? null,
      expires_at: this.host.now() + 24 * 3600,
      livemode: false,
      metadata: metadataOf(params),
      mode,
      payment_status: 'unpaid',
      status: 'open',
      subscription: null,
      success_url: successUrl,
      url: null,
    };
    session.url = `${this.host.url()}/checkout/pay/${session.id as string}`;
    this.sessions.set(session.id as string, session);
    // Kept beside the session (Stripe keeps them on the session's line items and subscription_data).
    this.pending.set(session.id as string, {
      lines,
      subscriptionMetadata: metadataOf(obj(params, 'subscription_data')),
      subscriptionDescription: str(obj(params, 'subscription_data'), 'description') ?? null,
    });
    return structuredClone(session);
  }

  private readonly pending = new Map<
    string,
    {
      lines: { price: Json; quantity: number }[];
      subscriptionMetadata: Json;
      subscriptionDescription: string | null;
    }
  >();

  /** Serves the hosted payment page (GET) and takes the payment (POST). */
  async page(
    request: IncomingMessage,
    response: ServerResponse,
    sessionId: string,
    body: string,
  ): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) {
      response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Not found</title><p>This payment page does not exist.</p>');
      return;
    }
    if (request.method === 'POST') {
      const card = new URLSearchParams(body).get('payment_method') ?? 'pm_card_visa';
      if (session.status !== 'complete') {
        if (card !== 'pm_card_visa') {
          response.writeHead(402, { 'content-type': 'text/html; charset=utf-8' });
          response.end(payPage(session, this.emailOf(session), 'Your card was declined.'));
          return;
        }
        this.complete(session);
      }
      const target = String(session.success_url).replace('{CHECKOUT_SESSION_ID}', sessionId);
      response.writeHead(303, { location: target });
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(payPage(session, this.emailOf(session)));
  }

  /** Who pays: the e-mail the session was given, or that of the customer it names. */
  private emailOf(session: Json): string {
    const customer = typeof session.customer === 'string' ? this.customers.get(session.customer) : undefined;
    const email = session.customer_email ?? customer?.email;
    return typeof email === 'string' ? email : '';
  }

  private complete(session: Json): void {
    const now = this.host.now();
    const pending = this.pending.get(session.id as string)!;
    // The customer the session names, or a new one with the e-mail given on the page.
    const existing = typeof session.customer === 'string' ? this.customers.get(session.customer) : undefined;
    const customer: Json = existing ?? {
      id: id('cus'),
      object: 'customer',
      created: now,
      email: session.customer_email,
      livemode: false,
      metadata: {},
      name: null,
    };
    this.customers.set(customer.id as string, customer);
    const subscriptionId = id('sub');
    const periodEnd = now + 30 * 24 * 3600;
    const invoice: Json = {
      id: id('in'),
      object: 'invoice',
      amount_due: session.amount_total,
      amount_paid: session.amount_total,
      amount_remaining: 0,
      billing_reason: 'subscription_create',
      created: now,
      currency: session.currency,
      customer: customer.id,
      livemode: false,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: subscriptionId, metadata: {} },
      },
      status: 'paid',
    };
    this.invoices.set(invoice.id as string, invoice);
    const subscription: Json = {
      id: subscriptionId,
      object: 'subscription',
      cancel_at_period_end: false,
      created: now,
      currency: session.currency,
      customer: customer.id,
      description: pending.subscriptionDescription,
      items: {
        object: 'list',
        data: pending.lines.map((line) => ({
          id: id('si'),
          object: 'subscription_item',
          created: now,
          current_period_start: now,
          current_period_end: periodEnd,
          price: structuredClone(line.price),
          quantity: line.quantity,
          subscription: subscriptionId,
        })),
        has_more: false,
        url: `/v1/subscription_items?subscription=${subscriptionId}`,
      },
      latest_invoice: invoice.id,
      livemode: false,
      metadata: pending.subscriptionMetadata,
      start_date: now,
      status: 'active',
    };
    this.subscriptions.set(subscriptionId, subscription);
    Object.assign(session, {
      customer: customer.id,
      payment_status: 'paid',
      status: 'complete',
      subscription: subscriptionId,
    });
    if (!existing) this.host.emit('customer.created', customer);
    this.host.emit('customer.subscription.created', subscription);
    this.host.emit('invoice.paid', invoice);
    this.host.emit('checkout.session.completed', session);
  }
}

const escape = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function portalPage(session: Json, subscriptions: Json[], prices: Json[], error?: string): string {
  const amount = (price: Json) =>
    `${((price.unit_amount as number) / 100).toFixed(2)} ${String(price.currency).toUpperCase()}`;
  const form = (subscription: Json) => {
    const current = ((subscription.items as { data: { price: Json }[] }).data[0]?.price.id as string) ?? '';
    const name =
      typeof subscription.description === 'string' ? subscription.description : String(subscription.id);
    return `<form method="post"><input type="hidden" name="subscription" value="${escape(subscription.id)}">
<fieldset><legend>Plan of ${escape(name)}</legend>
${prices
  .map(
    (price) =>
      `<label><input type="radio" name="price" value="${escape(price.id)}"${price.id === current ? ' checked' : ''}> ${escape(price.nickname ?? price.id)}: ${escape(amount(price))} per ${escape((price.recurring as Json | null)?.interval ?? 'month')}</label>`,
  )
  .join('\n')}
</fieldset>
<button type="submit">Update plan</button>
</form>`;
  };
  return hostedPage(
    'Billing',
    `<h1>Your subscriptions</h1>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
${subscriptions.map(form).join('\n')}
<p><a href="${escape(session.return_url ?? '/')}">Return</a></p>`,
  );
}

function payPage(session: Json, email: string, error?: string): string {
  const amount = ((session.amount_total as number) / 100).toFixed(2);
  return hostedPage(
    'Pay',
    `<h1>Subscribe</h1>
<p>${escape(email)}</p>
<p><strong>${escape(amount)} ${escape(String(session.currency).toUpperCase())}</strong> per month</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post">
<label><input type="radio" name="payment_method" value="pm_card_visa" checked> Visa test card 4242</label>
<label><input type="radio" name="payment_method" value="pm_card_chargeDeclined"> Declined test card 0002</label>
<button type="submit">Pay and subscribe</button>
</form>`,
  );
}

/** A page Stripe hosts (Checkout, the customer portal): plain HTML a browser test can use. */
function hostedPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Stripe test fake</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}
label,button{display:block;min-height:44px;margin:.5rem 0}button{font:inherit;font-weight:600;width:100%;background:#635bff;color:#fff;border:0;border-radius:6px}
.error{color:#a4161a;font-weight:600}</style></head>
<body>${body}</body></html>`;
}
