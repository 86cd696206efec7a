// Today's takings on the store-management home, live, in-process through the real production build:
// the first figure from the tenant's POS API (GET /v1/sales/summary as the signed-in user), then a
// Server-Sent Events stream that re-reads it after each sale event on the tenant's own NATS stream
// (the worker's relay publishes the outbox). Two merchants: one's sales never reach the other. Each
// event is handled in a consumer span that continues the relay's publish: the sale's trace.
import { startTelemetry, type Telemetry } from '@cloudpos/telemetry';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Takings } from '../app/takings.server.ts';
import type { FormClient } from './testing/browserless.ts';
import { EventStreamReader } from './testing/event-stream.ts';
import { readyTenant, signedInManager, verifiedMerchant } from './testing/merchants.ts';
import { startTestPortal, type TestPortal } from './testing/portal.ts';
import { relayOutbox } from './testing/relay.ts';
import { sellingRegister, type TestRegister } from './testing/selling.ts';

const spans = new InMemorySpanExporter();
let telemetry: Telemetry;
let portal: TestPortal;
let ana: FormClient;
let bo: FormClient;
let manager: FormClient;
let anaTill: TestRegister;
let boTill: TestRegister;
const stops: (() => Promise<void>)[] = [];
const streams: AbortController[] = [];
const anaSlug = `live-${randomBytes(3).toString('hex')}`;
const boSlug = `other-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'live-sales-test', spanExporter: spans });
  portal = await startTestPortal('live', {}, {}, { posApi: true });
  ana = await verifiedMerchant(portal, 'ana@live.example', 'Live Café');
  bo = await verifiedMerchant(portal, 'bo@other.example', 'Other Books');
  await readyTenant(portal, ana, anaSlug, 'Live Café');
  await readyTenant(portal, bo, boSlug, 'Other Books');
  manager = await signedInManager(portal, ana, 'max@live.example');
  stops.push(await relayOutbox(portal, anaSlug), await relayOutbox(portal, boSlug));
  anaTill = await sellingRegister(portal, anaSlug, { sku: 'FLAT', name: 'Flat white', amount: 390 });
  boTill = await sellingRegister(portal, boSlug, { sku: 'BOOK', name: 'Tide Tables', amount: 1250 });
}, 180_000);
afterAll(async () => {
  for (const stream of streams) stream.abort();
  for (const stop of stops) await stop();
  await portal?.stop();
  await telemetry?.shutdown();
});

const html = async (response: Response) => (await response.text()).replaceAll('<!-- -->', '');

async function openStream(client: FormClient, slug: string) {
  const abort = new AbortController();
  streams.push(abort);
  const response = await client.get(`/tenants/${slug}/manage/live-sales`, { signal: abort.signal });
  return { response, reader: response.ok ? new EventStreamReader(response) : undefined, abort };
}

describe('the live sales figure', () => {
  it('starts from the POS API’s figure for today in the tenant’s currency', async () => {
    const page = await html(await manager.get(`/tenants/${anaSlug}/manage`));
    expect(page).toContain('Today’s sales');
    expect(page).toMatch(/data-testid="takings">.*€0\.00.*0 sales/s);
    // The tenant's calendar day (UTC: the CRD's default), in its locale (en-US).
    const today = new Date().toISOString().slice(0, 10);
    expect(page).toMatch(new RegExp(`<time dateTime="${today}">[A-Z][a-z]+ \\d{1,2}, \\d{4}</time>`));
  });

  it('streams the new figure after each sale of the tenant, and never after another tenant’s', async () => {
    const anaStream = await openStream(manager, anaSlug);
    expect(anaStream.response.headers.get('content-type')).toContain('text/event-stream');
    const anaEvents = anaStream.reader!;
    const boEvents = (await openStream(bo, boSlug)).reader!;
    // Watching the tenant's own events, and the figure as it is when the stream opens.
    expect(await anaEvents.next<boolean>('live')).toBe(true);
    expect(await anaEvents.next<Takings>('takings')).toMatchObject({
      currency: 'EUR',
      salesCount: 0,
      netAmount: 0,
    });
    await boEvents.next('takings');

    // Another tenant sells: its figure moves, this one hears nothing.
    const seen = anaEvents.count('takings');
    await boTill.sell(2);
    expect(
      await boEvents.next<Takings>('takings', { matches: (takings) => takings.salesCount === 1 }),
    ).toMatchObject({ salesCount: 1, salesAmount: 2500, netAmount: 2500 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(anaEvents.count('takings')).toBe(seen);

    // This tenant sells twice: each sale moves its figure, exactly.
    const first = await anaTill.sell();
    expect(first.total).toBe(390);
    expect(
      await anaEvents.next<Takings>('takings', {
        after: seen,
        matches: (takings) => takings.salesCount === 1,
      }),
    ).toMatchObject({ salesCount: 1, salesAmount: 390, returnsCount: 0, netAmount: 390 });
    await anaTill.sell(3);
    expect(
      await anaEvents.next<Takings>('takings', {
        after: seen,
        matches: (takings) => takings.salesCount === 2,
      }),
    ).toMatchObject({ salesCount: 2, salesAmount: 390 * 4, netAmount: 1560 });
    // The portal handled each of this tenant's events in a consumer span under the relay's publish.
    const finished = spans.getFinishedSpans();
    const consumed = finished.filter(
      (span) =>
        span.name === 'process pos.events.sale.completed' && span.attributes['cloudpos.tenant'] === anaSlug,
    );
    expect(consumed.length).toBeGreaterThanOrEqual(2);
    for (const span of consumed) {
      const publish = finished.find(
        (candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId,
      );
      expect(publish?.name).toBe('publish pos.events.sale.completed');
      expect(publish?.spanContext().traceId).toBe(span.spanContext().traceId);
    }
    // A page loaded now starts where the stream is.
    expect(await html(await ana.get(`/tenants/${anaSlug}/manage`))).toMatch(/€15\.60.*2 sales/s);
    anaStream.abort.abort();
  });

  it('is only for the tenant’s own merchant, signed in', async () => {
    const other = await openStream(bo, anaSlug);
    expect(other.response.status).toBe(404);
    other.abort.abort();
    const anonymous = await fetch(`${portal.url}/tenants/${anaSlug}/manage/live-sales`, {
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toContain('/login');
  });
});
