// The webhook route inside the real POS API (tenancy plugin, problem details, real PostgreSQL), fed
// by the Stripe fake over HTTP: signatures checked on the raw body, one tenant's events handled once
// in its own schema, everything else acknowledged and left alone.
import { createTestDatabase, StripeFake, type TestDatabase } from '@cloudpos/harness';
import type {} from '@cloudpos/harness/vitest/provided';
import { OutboxEvent, tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PosApi } from '../app.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { createTenantSchema, hostOf, testApp, uniqueSlug } from '../test-support.ts';
import type { PaymentEvent, PaymentProvider } from './provider.ts';
import { stripeProvider } from './stripe.ts';
import { paymentWebhookRoutes } from './webhook.ts';

const A = uniqueSlug('pay-a');
const B = uniqueSlug('pay-b');
const WEBHOOK_PATH = '/v1/payments/stripe/webhook';

let db: TestDatabase;
let redis: Redis;
let admin: MikroORM;
let fake: StripeFake;
let provider: PaymentProvider;
let webhookSecret: string;
/** Tenant A's dedicated API, listening: the fake delivers to it over HTTP. */
let app: PosApi;
let appUrl: string;
let schemaA: string;

const handled: { tenant: string; event: PaymentEvent }[] = [];
let failNext = false;

async function onPaymentEvent(ctx: RequestContext, event: PaymentEvent): Promise<void> {
  if (failNext) {
    failNext = false;
    throw new Error('checkout is down for a moment');
  }
  handled.push({ tenant: ctx.tenant.slug, event });
  // Written with the handler's EntityManager: same transaction as the dedupe row, tenant's schema.
  ctx.em.create(OutboxEvent, {
    subject: `pos.events.${event.type}`,
    payload: { providerRef: event.providerRef, paymentId: event.paymentId },
  });
}

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'), 'payments');
  redis = new Redis(inject('redisUrl'));
  admin = await MikroORM.init(tenantOrmConfig({ clientUrl: db.url, poolMax: 2 }));
  schemaA = await createTenantSchema(admin, A);
  await createTenantSchema(admin, B);
  fake = await StripeFake.start();
  webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  provider = stripeProvider({ secretKey: fake.secretKey, webhookSecret, ...fake.clientConfig });

  app = await testApp({ databaseUrl: db.url, redis, mode: 'dedicated', slug: A });
  await app.register(paymentWebhookRoutes, { prefix: '/v1', provider, onPaymentEvent });
  appUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  fake.addWebhookEndpoint(`${appUrl}${WEBHOOK_PATH}`, webhookSecret);
});

afterAll(async () => {
  await fake?.stop();
  await app?.close();
  await admin?.close();
  redis?.disconnect();
  await db?.drop();
});

async function payByCard(tenant: string) {
  const payment = await provider.startCardPayment({
    tenant,
    saleId: randomUUID(),
    paymentId: randomUUID(),
    amount: 1250,
    currency: 'EUR',
  });
  // The till's Stripe.js confirms with the card; CloudPOS never sees it.
  const response = await fetch(`${fake.url}/v1/payment_intents/${payment.providerRef}/confirm`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.publishableKey}` },
    body: new URLSearchParams({ payment_method: 'pm_card_visa', client_secret: payment.clientSecret! }),
  });
  expect(response.status).toBe(200);
  return payment;
}

function eventOf(type: string, providerRef: string) {
  const event = fake.events.find((e) => e.type === type && e.data.object.id === providerRef);
  if (!event) throw new Error(`no ${type} for ${providerRef}`);
  return event;
}

async function recorded(schema: string, eventId: string) {
  return admin.em
    .getConnection()
    .execute<{ id: string; provider: string; type: string }[]>(
      `select id, provider, type from "${schema}".provider_event where id = ?`,
      [eventId],
    );
}

const ack = (body: string) => JSON.parse(body) as { received: boolean; outcome: string; reason?: string };

/** A Stripe-shaped event we sign ourselves (as the fake would), for cases the fake cannot produce. */
function syntheticEvent(tenant: string) {
  const intentId = `pi_${randomBytes(12).toString('hex')}`;
  return JSON.stringify({
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
    data: {
      object: {
        id: intentId,
        object: 'payment_intent',
        amount: 500,
        amount_received: 500,
        currency: 'eur',
        status: 'succeeded',
        last_payment_error: null,
        metadata: { tenant, sale_id: randomUUID(), payment_id: randomUUID() },
      },
    },
  });
}

describe('POST /v1/payments/stripe/webhook', () => {
  it('handles a verified payment outcome once, in the tenant schema, and acknowledges the rest', async () => {
    const payment = await payByCard(A);
    const succeeded = eventOf('payment_intent.succeeded', payment.providerRef);
    const delivery = await fake.waitForDelivery((d) => d.eventId === succeeded.id);
    expect(delivery.status, delivery.responseBody).toBe(200);
    expect(ack(delivery.responseBody)).toEqual({ received: true, outcome: 'processed' });

    const mine = handled.filter((h) => h.event.providerRef === payment.providerRef);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      tenant: A,
      event: { id: succeeded.id, type: 'payment.succeeded', amount: 1250, currency: 'EUR', tenant: A },
    });
    expect(await recorded(schemaA, succeeded.id)).toEqual([
      { id: succeeded.id, provider: 'stripe', type: 'payment_intent.succeeded' },
    ]);
    const [outbox] = await admin.em
      .getConnection()
      .execute<{ subject: string }[]>(
        `select subject from "${schemaA}".outbox_event where payload->>'providerRef' = ?`,
        [payment.providerRef],
      );
    expect(outbox?.subject).toBe('pos.events.payment.succeeded');

    // Events that are not payment outcomes are acknowledged without being recorded.
    const created = eventOf('payment_intent.created', payment.providerRef);
    const createdDelivery = await fake.waitForDelivery((d) => d.eventId === created.id);
    expect(ack(createdDelivery.responseBody)).toMatchObject({ outcome: 'ignored' });
    expect(await recorded(schemaA, created.id)).toEqual([]);
  });

  it('acknowledges a redelivered event without handling it again, even when deliveries race', async () => {
    const payment = await payByCard(A);
    const succeeded = eventOf('payment_intent.succeeded', payment.providerRef);
    await fake.waitForDelivery((d) => d.eventId === succeeded.id);

    const [replay] = await fake.redeliver(succeeded.id);
    expect(replay).toMatchObject({ status: 200, attempt: 2 });
    expect(ack(replay!.responseBody)).toEqual({ received: true, outcome: 'duplicate' });

    // A new event delivered five times at once: the unique row decides, one handles it.
    const payload = syntheticEvent(A);
    const signature = fake.signatureHeader(payload, webhookSecret);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${appUrl}${WEBHOOK_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
          body: payload,
        }).then(async (response) => ({ status: response.status, ...ack(await response.text()) })),
      ),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.map((answer) => answer.outcome).sort()).toEqual([
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
      'processed',
    ]);
    const id = (JSON.parse(payload) as { id: string }).id;
    expect(handled.filter((h) => h.event.id === id)).toHaveLength(1);
    expect(handled.filter((h) => h.event.providerRef === payment.providerRef)).toHaveLength(1);
  });

  it('rejects a wrong or missing signature with 400 webhook_signature_invalid and records nothing', async () => {
    const payload = syntheticEvent(A);
    const id = (JSON.parse(payload) as { id: string }).id;
    const post = (headers: Record<string, string>, body = payload) =>
      fetch(`${appUrl}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    const wrongSecret = await post({
      'stripe-signature': fake.signatureHeader(payload, 'whsec_someone_elses_secret'),
    });
    expect(wrongSecret.status).toBe(400);
    expect(wrongSecret.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await wrongSecret.json()).toMatchObject({ status: 400, code: 'webhook_signature_invalid' });

    const missing = await post({});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'webhook_signature_invalid' });

    // Signed for these bytes, sent with others (a re-serialized body would fail the same way).
    const tampered = await post(
      { 'stripe-signature': fake.signatureHeader(payload, webhookSecret) },
      payload.replace('"amount": 500', '"amount": 5').replace('"amount":500', '"amount":5'),
    );
    expect(tampered.status).toBe(400);

    expect(await recorded(schemaA, id)).toEqual([]);
    expect(handled.some((h) => h.event.id === id)).toBe(false);
  });

  it("acknowledges another tenant's events and leaves them alone", async () => {
    const payment = await payByCard(B);
    const succeeded = eventOf('payment_intent.succeeded', payment.providerRef);
    const delivery = await fake.waitForDelivery((d) => d.eventId === succeeded.id);
    expect(delivery.status).toBe(200);
    expect(ack(delivery.responseBody)).toMatchObject({ outcome: 'ignored' });
    expect(await recorded(schemaA, succeeded.id)).toEqual([]);
    expect(handled.some((h) => h.event.providerRef === payment.providerRef)).toBe(false);
  });

  it('answers 500 when the handler fails, keeps no record, and handles the retry', async () => {
    failNext = true;
    const payment = await payByCard(A);
    const succeeded = eventOf('payment_intent.succeeded', payment.providerRef);
    const failed = await fake.waitForDelivery((d) => d.eventId === succeeded.id);
    expect(failed.status).toBe(500);
    expect(await recorded(schemaA, succeeded.id)).toEqual([]);

    const [retry] = await fake.redeliver(succeeded.id);
    expect(ack(retry!.responseBody)).toMatchObject({ outcome: 'processed' });
    expect(handled.filter((h) => h.event.id === succeeded.id)).toHaveLength(1);
  });

  it('keeps the JSON parser of every other route', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/setup',
      payload: {
        setupCode: 'wrong',
        owner: { code: '1', displayName: 'x', pin: '1234' },
        device: { name: 'x' },
      },
    });
    expect(response.json()).toMatchObject({ code: 'setup_code_invalid' });
  });
});

describe('in a pooled API', () => {
  let pooled: PosApi;
  beforeAll(async () => {
    pooled = await testApp({ databaseUrl: db.url, redis, mode: 'pooled' });
    await pooled.register(paymentWebhookRoutes, { prefix: '/v1', provider, onPaymentEvent });
  });
  afterAll(async () => {
    await pooled?.close();
  });

  const deliver = (host: string | undefined, payload: string) =>
    pooled.inject({
      method: 'POST',
      url: WEBHOOK_PATH,
      headers: {
        ...(host ? { host } : {}),
        'content-type': 'application/json',
        'stripe-signature': fake.signatureHeader(payload, webhookSecret),
      },
      payload,
    });

  it("handles an event at its tenant's host name and ignores it at another's", async () => {
    const forB = syntheticEvent(B);
    const atB = await deliver(hostOf(B), forB);
    expect(atB.statusCode, atB.body).toBe(200);
    expect(atB.json()).toMatchObject({ outcome: 'processed' });
    expect(handled.filter((h) => h.event.id === (JSON.parse(forB) as { id: string }).id)).toEqual([
      expect.objectContaining({ tenant: B }),
    ]);

    const atA = await deliver(hostOf(A), syntheticEvent(B));
    expect(atA.json()).toMatchObject({ outcome: 'ignored' });
  });

  it('needs a host name that names a tenant (tenancy resolves it before the route runs)', async () => {
    const response = await deliver('127.0.0.1', syntheticEvent(A));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'tenant_required' });
  });
});
