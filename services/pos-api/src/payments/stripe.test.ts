// The Stripe provider with the real `stripe` client against the HTTP fake of Stripe's API: what we
// send (amounts, currency, metadata, idempotency keys, never card data), what the till's Stripe.js
// and a Terminal reader do on their side, and the signed webhooks that report the outcome, verified
// with stripe-node's own constructEvent.
import { StripeFake, type RecordedStripeRequest } from '@cloudpos/harness';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentProviderError, type PaymentEvent, type PaymentProvider } from './provider.ts';
import { fromStripeAmount, stripeProvider, toStripeAmount } from './stripe.ts';

const TENANT = 'acme';

let fake: StripeFake;
let provider: PaymentProvider;
/** What the test plays as the reader (Stripe's test helpers), not our code. */
let readerSide: Stripe;
let receiver: WebhookReceiver;
let webhookSecret: string;

beforeAll(async () => {
  fake = await StripeFake.start();
  receiver = await WebhookReceiver.start();
  webhookSecret = fake.addWebhookEndpoint(receiver.url);
  provider = stripeProvider({ secretKey: fake.secretKey, webhookSecret, ...fake.clientConfig });
  readerSide = new Stripe(fake.secretKey, { ...fake.clientConfig, maxNetworkRetries: 0 });
});

afterAll(async () => {
  await fake?.stop();
  await receiver?.stop();
});

const ids = () => ({ saleId: randomUUID(), paymentId: randomUUID() });

/** What Stripe.js does in the till's browser: confirm with the publishable key and client secret. */
async function browserConfirm(clientSecret: string, paymentMethod: string) {
  const intentId = clientSecret.split('_secret_')[0]!;
  const response = await fetch(`${fake.url}/v1/payment_intents/${intentId}/confirm`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${fake.publishableKey}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ payment_method: paymentMethod, client_secret: clientSecret }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { status?: string; error?: Record<string, unknown> },
  };
}

/** The verified, neutral webhook event of this type for this payment, once delivered. */
async function webhookEvent(type: string, providerRef: string): Promise<PaymentEvent> {
  const delivery = await receiver.waitFor((received) => {
    const event = JSON.parse(received.body) as { type: string; data: { object: Record<string, unknown> } };
    const object = event.data.object;
    return event.type === type && (object.id === providerRef || object.payment_intent === providerRef);
  });
  return provider.verifyWebhook(Buffer.from(delivery.body), delivery.signature);
}

const ourRequests = (): RecordedStripeRequest[] =>
  fake.requests.filter((request) => request.userAgent.includes('CloudPOS'));

describe('card not present (the till confirms with Stripe.js)', () => {
  it('creates the intent with our amount, currency, metadata and idempotency key; the webhook reports success', async () => {
    const { saleId, paymentId } = ids();
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      saleId,
      paymentId,
      amount: 1999,
      currency: 'EUR',
    });
    expect(payment).toMatchObject({
      provider: 'stripe',
      status: 'requires_payment_method',
      amount: 1999,
      currency: 'EUR',
    });
    expect(payment.providerRef).toMatch(/^pi_/);
    expect(payment.clientSecret).toMatch(new RegExp(`^${payment.providerRef}_secret_`));

    const sent = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents').at(-1)!;
    expect(sent.auth).toBe('secret');
    expect(sent.idempotencyKey).toBe(`cloudpos:${TENANT}:payment:${paymentId}:create`);
    expect(sent.params).toMatchObject({
      amount: '1999',
      currency: 'eur',
      allowed_payment_method_types: ['card'],
      capture_method: 'automatic',
      metadata: { tenant: TENANT, sale_id: saleId, payment_id: paymentId },
    });

    const confirmed = await browserConfirm(payment.clientSecret!, 'pm_card_visa');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('succeeded');

    const event = await webhookEvent('payment_intent.succeeded', payment.providerRef);
    expect(event).toMatchObject({
      type: 'payment.succeeded',
      rawType: 'payment_intent.succeeded',
      provider: 'stripe',
      providerRef: payment.providerRef,
      tenant: TENANT,
      saleId,
      paymentId,
      amount: 1999,
      currency: 'EUR',
    });
    expect(event.id).toMatch(/^evt_/);
    // What checkout checks before it accepts this providerRef for the sale.
    expect(await provider.getCardPayment(payment.providerRef)).toMatchObject({
      status: 'succeeded',
      amount: 1999,
      currency: 'EUR',
      tenant: TENANT,
      saleId,
      paymentId,
    });
  });

  it('reports a declined card as failed with its reason, and the same payment can then succeed', async () => {
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      ...ids(),
      amount: 2500,
      currency: 'EUR',
    });
    const declined = await browserConfirm(payment.clientSecret!, 'pm_card_chargeDeclined');
    expect(declined.status).toBe(402);
    expect(declined.body.error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });

    expect(await provider.getCardPayment(payment.providerRef)).toMatchObject({
      status: 'failed',
      failure: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
    });
    const failed = await webhookEvent('payment_intent.payment_failed', payment.providerRef);
    expect(failed).toMatchObject({
      type: 'payment.failed',
      providerRef: payment.providerRef,
      failure: { code: 'card_declined', declineCode: 'generic_decline' },
    });

    // The customer tries another card on the same intent.
    expect((await browserConfirm(payment.clientSecret!, 'pm_card_mastercard')).status).toBe(200);
    expect(await provider.getCardPayment(payment.providerRef)).toMatchObject({ status: 'succeeded' });
    expect((await provider.getCardPayment(payment.providerRef)).failure).toBeUndefined();
  });

  it('cancels a payment that was not paid; a paid one cannot be canceled', async () => {
    const { saleId, paymentId } = ids();
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      saleId,
      paymentId,
      amount: 700,
      currency: 'EUR',
    });
    const canceled = await provider.cancelCardPayment({
      tenant: TENANT,
      paymentId,
      providerRef: payment.providerRef,
    });
    expect(canceled.status).toBe('canceled');
    expect(await webhookEvent('payment_intent.canceled', payment.providerRef)).toMatchObject({
      type: 'payment.canceled',
      paymentId,
    });
    // Retrying the cancel (a lost response) is answered from Stripe's idempotency store.
    await expect(
      provider.cancelCardPayment({ tenant: TENANT, paymentId, providerRef: payment.providerRef }),
    ).resolves.toMatchObject({ status: 'canceled' });

    const paid = await provider.startCardPayment({ tenant: TENANT, ...ids(), amount: 700, currency: 'EUR' });
    await browserConfirm(paid.clientSecret!, 'pm_card_visa');
    const error = await provider
      .cancelCardPayment({ tenant: TENANT, paymentId: randomUUID(), providerRef: paid.providerRef })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaymentProviderError);
    expect(error).toMatchObject({ code: 'rejected', providerCode: 'payment_intent_unexpected_state' });
  });
});

describe('idempotency (keys derived from our payment id)', () => {
  it('returns the same intent when the same payment is started again, as it is now', async () => {
    const request = { tenant: TENANT, ...ids(), amount: 1234, currency: 'EUR' };
    const first = await provider.startCardPayment(request);
    const again = await provider.startCardPayment(request);
    expect(again.providerRef).toBe(first.providerRef);
    expect(again.clientSecret).toBe(first.clientSecret);
    const creates = fake.requests.filter(
      (r) => r.path === '/v1/payment_intents' && r.idempotencyKey?.includes(request.paymentId),
    );
    expect(creates).toHaveLength(2);
    expect(fake.paymentIntent(first.providerRef)).toBeDefined();
    expect(
      [...fake.events].filter(
        (e) =>
          e.type === 'payment_intent.created' &&
          (e.data.object.metadata as { payment_id?: string }).payment_id === request.paymentId,
      ),
    ).toHaveLength(1);

    // After the customer paid, a retry (say, after a lost response) sees the payment as it is now.
    await browserConfirm(first.clientSecret!, 'pm_card_visa');
    expect(await provider.startCardPayment(request)).toMatchObject({
      providerRef: first.providerRef,
      status: 'succeeded',
    });
  });

  it('refuses the same payment id with another amount', async () => {
    const request = { tenant: TENANT, ...ids(), amount: 1000, currency: 'EUR' };
    await provider.startCardPayment(request);
    const error = await provider
      .startCardPayment({ ...request, amount: 1001 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaymentProviderError);
    expect((error as PaymentProviderError).code).toBe('idempotency_conflict');
  });
});

describe('card present (Stripe Terminal, server-driven)', () => {
  it('hands the intent to the reader; the card presented there pays it', async () => {
    const reader = fake.createReader({ label: 'Till 1' });
    const { saleId, paymentId } = ids();
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      saleId,
      paymentId,
      amount: 4200,
      currency: 'EUR',
      cardPresent: { readerId: reader.id },
    });
    expect(payment).toMatchObject({
      status: 'requires_payment_method',
      reader: { id: reader.id, actionStatus: 'in_progress' },
    });
    expect(reader.id).toMatch(/^tmr_/);
    expect(payment.clientSecret).toBeUndefined();
    expect(fake.requests.at(-1)).toMatchObject({
      path: `/v1/terminal/readers/${reader.id}/process_payment_intent`,
      params: { payment_intent: payment.providerRef },
    });
    expect(fake.paymentIntent(payment.providerRef)?.payment_method_types).toEqual(['card_present']);

    // The customer taps a card on the (simulated) reader.
    const presented = await readerSide.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
    expect(presented.action).toMatchObject({ type: 'process_payment_intent', status: 'succeeded' });
    expect(await provider.getCardPayment(payment.providerRef)).toMatchObject({
      status: 'succeeded',
      amount: 4200,
    });
    expect(await webhookEvent('payment_intent.succeeded', payment.providerRef)).toMatchObject({
      type: 'payment.succeeded',
      paymentId,
    });
  });

  it('a declined card on the reader fails; starting the payment again hands it back for another card', async () => {
    const reader = fake.createReader();
    const request = {
      tenant: TENANT,
      ...ids(),
      amount: 990,
      currency: 'EUR',
      cardPresent: { readerId: reader.id },
    };
    const payment = await provider.startCardPayment(request);
    const declined = await readerSide.testHelpers.terminal.readers.presentPaymentMethod(reader.id, {
      card_present: { number: '4000000000000002' },
    });
    expect(declined.action).toMatchObject({ status: 'failed', failure_code: 'card_declined' });
    expect(await provider.getCardPayment(payment.providerRef)).toMatchObject({
      status: 'failed',
      failure: { code: 'card_declined' },
    });

    const retried = await provider.startCardPayment(request);
    expect(retried).toMatchObject({
      providerRef: payment.providerRef,
      reader: { id: reader.id, actionStatus: 'in_progress' },
    });
    await readerSide.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
    expect(await provider.getCardPayment(payment.providerRef)).toMatchObject({ status: 'succeeded' });
  });

  it('says when the reader is offline or busy', async () => {
    const offline = fake.createReader({ status: 'offline' });
    const error = await provider
      .startCardPayment({
        tenant: TENANT,
        ...ids(),
        amount: 500,
        currency: 'EUR',
        cardPresent: { readerId: offline.id },
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'reader_unavailable', providerCode: 'terminal_reader_offline' });

    const busy = fake.createReader();
    await provider.startCardPayment({
      tenant: TENANT,
      ...ids(),
      amount: 500,
      currency: 'EUR',
      cardPresent: { readerId: busy.id },
    });
    const second = await provider
      .startCardPayment({
        tenant: TENANT,
        ...ids(),
        amount: 600,
        currency: 'EUR',
        cardPresent: { readerId: busy.id },
      })
      .catch((caught: unknown) => caught);
    expect(second).toMatchObject({ code: 'reader_unavailable', providerCode: 'terminal_reader_busy' });
  });
});

describe('refunds', () => {
  async function paid(amount: number, paymentMethod = 'pm_card_visa', currency = 'EUR') {
    const payment = await provider.startCardPayment({ tenant: TENANT, ...ids(), amount, currency });
    expect((await browserConfirm(payment.clientSecret!, paymentMethod)).status).toBe(200);
    return payment;
  }

  it('refunds part, then the rest; never more than was paid; a retried refund is the same refund', async () => {
    const payment = await paid(5000);
    const returnSale = randomUUID();
    const partial = {
      tenant: TENANT,
      saleId: returnSale,
      refundId: randomUUID(),
      providerRef: payment.providerRef,
      amount: 2000,
      currency: 'EUR',
    };
    const first = await provider.refundCardPayment(partial);
    expect(first).toMatchObject({
      status: 'succeeded',
      amount: 2000,
      currency: 'EUR',
      providerRef: payment.providerRef,
    });
    expect(first.refundRef).toMatch(/^re_/);
    expect(fake.requests.at(-1)).toMatchObject({
      path: '/v1/refunds',
      idempotencyKey: `cloudpos:${TENANT}:refund:${partial.refundId}:create`,
      params: {
        payment_intent: payment.providerRef,
        amount: '2000',
        metadata: { tenant: TENANT, sale_id: returnSale, payment_id: partial.refundId },
      },
    });
    expect((await provider.refundCardPayment(partial)).refundRef).toBe(first.refundRef);

    const event = await webhookEvent('refund.created', payment.providerRef);
    expect(event).toMatchObject({
      type: 'refund.succeeded',
      refundRef: first.refundRef,
      providerRef: payment.providerRef,
      paymentId: partial.refundId,
      saleId: returnSale,
      amount: 2000,
    });

    const tooMuch = await provider
      .refundCardPayment({ ...partial, refundId: randomUUID(), amount: 3001 })
      .catch((caught: unknown) => caught);
    expect(tooMuch).toMatchObject({ code: 'rejected', providerCode: 'amount_too_large' });

    const rest = await provider.refundCardPayment({ ...partial, refundId: randomUUID(), amount: 3000 });
    expect(rest).toMatchObject({ status: 'succeeded', amount: 3000 });
    const again = await provider
      .refundCardPayment({ ...partial, refundId: randomUUID(), amount: 1 })
      .catch((caught: unknown) => caught);
    expect(again).toMatchObject({ code: 'rejected', providerCode: 'charge_already_refunded' });
  });

  it('reports a refund that fails later (the card was closed) with refund.failed', async () => {
    const payment = await paid(3000, 'pm_card_refundFail');
    const refund = await provider.refundCardPayment({
      tenant: TENANT,
      saleId: randomUUID(),
      refundId: randomUUID(),
      providerRef: payment.providerRef,
      amount: 3000,
      currency: 'EUR',
    });
    expect(refund.status).toBe('succeeded');
    const failed = await webhookEvent('refund.failed', payment.providerRef);
    expect(failed).toMatchObject({
      type: 'refund.failed',
      refundRef: refund.refundRef,
      failure: { code: 'expired_or_canceled_card' },
    });
  });
});

describe('amounts in minor units', () => {
  it('sends JPY (zero-decimal at Stripe and in ISO 4217) as whole yen', async () => {
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      ...ids(),
      amount: 1500,
      currency: 'JPY',
    });
    expect(fake.paymentIntent(payment.providerRef)).toMatchObject({ amount: 1500, currency: 'jpy' });
    expect(payment).toMatchObject({ amount: 1500, currency: 'JPY' });
    await browserConfirm(payment.clientSecret!, 'pm_card_visa');
    expect(await webhookEvent('payment_intent.succeeded', payment.providerRef)).toMatchObject({
      amount: 1500,
      currency: 'JPY',
    });
  });

  it('sends ISK (0 decimals in ISO 4217, two at Stripe) in hundredths', async () => {
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      ...ids(),
      amount: 1500,
      currency: 'ISK',
    });
    expect(fake.paymentIntent(payment.providerRef)).toMatchObject({ amount: 150000, currency: 'isk' });
    expect(payment.amount).toBe(1500);
  });

  it('converts where Stripe and ISO 4217 differ, and refuses what Stripe cannot take', () => {
    expect(toStripeAmount(1999, 'EUR')).toBe(1999);
    expect(toStripeAmount(500, 'KRW')).toBe(500);
    expect(toStripeAmount(1230, 'KWD')).toBe(1230);
    expect(() => toStripeAmount(1235, 'KWD')).toThrow(
      expect.objectContaining({ code: 'amount_not_supported' }),
    );
    expect(toStripeAmount(50000, 'MGA')).toBe(500);
    expect(() => toStripeAmount(50050, 'MGA')).toThrow(
      expect.objectContaining({ code: 'amount_not_supported' }),
    );
    expect(() => toStripeAmount(0, 'EUR')).toThrow(expect.objectContaining({ code: 'rejected' }));
    expect(() => toStripeAmount(10.5, 'EUR')).toThrow(expect.objectContaining({ code: 'rejected' }));
    expect(fromStripeAmount(150000, 'isk')).toBe(1500);
    expect(fromStripeAmount(500, 'mga')).toBe(50000);
  });

  it('passes Stripe refusals on as rejected, with Stripe code', async () => {
    const error = await provider
      .startCardPayment({ tenant: TENANT, ...ids(), amount: 10, currency: 'EUR' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'rejected', providerCode: 'amount_too_small' });
  });
});

describe('webhook signatures', () => {
  async function anyDelivery() {
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      ...ids(),
      amount: 800,
      currency: 'EUR',
    });
    await browserConfirm(payment.clientSecret!, 'pm_card_visa');
    return receiver.waitFor(
      (received) =>
        received.body.includes(payment.providerRef) && received.body.includes('"payment_intent.succeeded"'),
    );
  }

  it('are computed by the fake exactly as stripe-node checks them', async () => {
    const delivery = await anyDelivery();
    expect(delivery.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = Stripe.webhooks.constructEvent(delivery.body, delivery.signature, webhookSecret);
    expect(event.type).toBe('payment_intent.succeeded');
  });

  it('reject a wrong secret, a tampered body, a missing header and an old signature', async () => {
    const delivery = await anyDelivery();
    const body = Buffer.from(delivery.body);
    const rejects = (run: () => unknown, reason: RegExp) => {
      const error = (() => {
        try {
          run();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(PaymentProviderError);
      expect(error).toMatchObject({ code: 'webhook_signature_invalid' });
      expect((error as Error).message).toMatch(reason);
    };
    const otherSecret = stripeProvider({
      secretKey: fake.secretKey,
      webhookSecret: 'whsec_not_the_right_one',
      ...fake.clientConfig,
    });
    rejects(() => otherSecret.verifyWebhook(body, delivery.signature), /signature/i);
    rejects(
      () => provider.verifyWebhook(Buffer.from(delivery.body.replace('800', '1')), delivery.signature),
      /signature/i,
    );
    rejects(() => provider.verifyWebhook(body, undefined), /missing/);
    const later = stripeProvider({
      secretKey: fake.secretKey,
      webhookSecret,
      ...fake.clientConfig,
      clock: () => new Date(Date.now() + 10 * 60_000),
    });
    rejects(() => later.verifyWebhook(body, delivery.signature), /tolerance/i);
    expect(provider.verifyWebhook(body, delivery.signature).type).toBe('payment.succeeded');
  });
});

describe('the fake as Stripe', () => {
  it('answers a request without an API key, or with a wrong one, with 401 like Stripe', async () => {
    const anonymous = await fetch(`${fake.url}/v1/payment_intents`, {
      method: 'POST',
      body: 'amount=100&currency=eur',
    });
    expect(anonymous.status).toBe(401);
    const { error: anonymousError } = (await anonymous.json()) as {
      error: { type: string; message: string };
    };
    expect(anonymousError.type).toBe('invalid_request_error');
    expect(anonymousError.message).toContain('You did not provide an API key');
    expect(anonymous.headers.get('request-id')).toMatch(/^req_/);

    const wrongKey = stripeProvider({
      secretKey: 'sk_test_wrong',
      webhookSecret,
      ...fake.clientConfig,
      maxNetworkRetries: 0,
    });
    const error = await wrongKey.getCardPayment('pi_unknown').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_misconfigured' });
    expect((error as Error).message).not.toContain('sk_test_wrong');
  });

  it('answers unknown objects with 404 resource_missing and replays idempotent requests', async () => {
    await expect(provider.getCardPayment('pi_doesnotexist')).rejects.toMatchObject({ code: 'not_found' });

    const post = (body: string, key: string, path = '/v1/payment_intents') =>
      fetch(`${fake.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${fake.secretKey}`,
          'idempotency-key': key,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
    const key = randomUUID();
    const first = await post('amount=100&currency=eur&metadata[a]=1', key);
    const replay = await post('amount=100&currency=eur&metadata[a]=1', key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const different = await post('amount=101&currency=eur&metadata[a]=1', key);
    expect(different.status).toBe(400);
    expect(await different.json()).toMatchObject({ error: { type: 'idempotency_error' } });
    const otherEndpoint = await post('payment_intent=pi_x', key, '/v1/refunds');
    expect(otherEndpoint.status).toBe(400);
  });

  it('refuses raw card numbers sent to the API', async () => {
    const payment = await provider.startCardPayment({
      tenant: TENANT,
      ...ids(),
      amount: 900,
      currency: 'EUR',
    });
    const response = await fetch(`${fake.url}/v1/payment_intents/${payment.providerRef}/confirm`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${fake.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'payment_method_data[type]=card&payment_method_data[card][number]=4242424242424242&payment_method_data[card][cvc]=123',
    });
    expect(response.status).toBe(400);
  });
});

describe('card data', () => {
  it('never leaves our code: no card number, CVC or expiry in any request we sent', async () => {
    // Runs last in this file: every request the provider made in the tests above is checked.
    await sleep(0);
    const ours = ourRequests();
    expect(ours.length).toBeGreaterThan(20);
    for (const request of ours) {
      expect(
        request.paramNames.filter((name) => /number|cvc|exp_month|exp_year|\[card\]/.test(name)),
      ).toEqual([]);
      expect(request.rawBody).not.toMatch(/\d{13,19}/);
      expect(decodeURIComponent(request.path)).not.toMatch(/\d{13,19}/);
    }
    // Our calls are the ones with CloudPOS in the User-Agent: the browser and reader played by the
    // tests are not among them.
    expect(ours.some((request) => request.path.includes('present_payment_method'))).toBe(false);
    expect(ours.some((request) => request.auth === 'publishable')).toBe(false);
  });
});

interface ReceivedWebhook {
  body: string;
  signature: string;
}

/** A plain HTTP endpoint standing in for our API: it keeps what Stripe delivered, untouched. */
class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  url = '';
  private server!: Server;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(request.headers['stripe-signature']),
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    receiver.server.listen(0, '127.0.0.1');
    await once(receiver.server, 'listening');
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as { port: number }).port}/webhook`;
    return receiver;
  }

  async waitFor(
    predicate: (received: ReceivedWebhook) => boolean,
    timeoutMs = 10_000,
  ): Promise<ReceivedWebhook> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.received.find(predicate);
      if (found) return found;
      await sleep(20);
    }
    throw new Error(`no matching webhook within ${timeoutMs} ms (${this.received.length} received)`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
