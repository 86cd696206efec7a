// One sale, one trace, starting in the till: in Chromium against the real POS API (in this process,
// tracing into an in-memory exporter as `npm start` traces into Zipkin), a sale's sync is a till
// span around its fetch; the fetch carries traceparent, so the API's request span is the fetch
// span's child in the same trace, and the sale's outbox row (what the worker's relay publishes
// under) carries that trace too. The till's spans arrive through POST /v1/traces with the server's
// resource and no credentials in them. Offline, the till drops its spans and keeps selling.
import { startTelemetry, type Telemetry } from '@cloudpos/telemetry';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SALE_SYNC_SPAN } from '../tracing.ts';
import { sellMugAndBread, signedInTillForFile, tapProduct, type TillWorld } from './harness.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let till: TillWorld;

// Before the till's world: the API's Fastify instance is traced when it is made after the SDK starts.
beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'pos-api', spanExporter: exporter });
});
signedInTillForFile('till-trace', (started) => (till = started));
afterAll(async () => {
  await telemetry?.shutdown();
});

const spans = () => exporter.getFinishedSpans();
const tillSpans = () => spans().filter((span) => span.resource.attributes['service.name'] === 'till');
const childOf = (parent: ReadableSpan, all: ReadableSpan[]) =>
  all.filter(
    (span) =>
      span.parentSpanContext?.spanId === parent.spanContext().spanId &&
      span.spanContext().traceId === parent.spanContext().traceId,
  );

/** The till's sale sync spans (a sale or a batch of them, by receipt number). */
const saleSyncs = () => tillSpans().filter((span) => span.name === SALE_SYNC_SPAN);

/** The trace id in the sale's outbox row: what the worker's relay publishes it under. */
async function outboxTraceIds(): Promise<string[]> {
  const { rows } = await till.world.sql.query<{ traceparent: string | null }>(
    `select traceparent from "${till.world.schema}".outbox_event
      where subject = 'pos.events.sale.completed' order by id`,
  );
  return rows.map((row) => row.traceparent?.split('-')[1] ?? '');
}

describe('a sale’s trace', () => {
  it('starts at the till: its sync span, its fetch, then the API’s request span, in one trace', async () => {
    const { page } = till;
    await sellMugAndBread(page);
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toBe('Saved on the server.');

    // The till uploads its spans in batches (every few seconds).
    await expect.poll(() => saleSyncs().length, { timeout: 30_000 }).toBe(1);
    const sync = saleSyncs()[0]!;
    expect(sync.attributes).toEqual({ 'cloudpos.sale.count': 1, 'cloudpos.sale.receipt_numbers': [1] });
    expect(sync.parentSpanContext, 'the sync starts the trace').toBeUndefined();

    await expect.poll(() => childOf(sync, tillSpans()).length, { timeout: 10_000 }).toBe(1);
    const fetch = childOf(sync, tillSpans())[0]!;
    expect(fetch.kind).toBe(SpanKind.CLIENT);
    expect(fetch.name).toBe('POST /v1/sales/batch');
    expect(fetch.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'url.full': `${new URL(till.tillUrl()).origin}/v1/sales/batch`,
    });

    // The API continued the trace the till's traceparent named.
    const request = childOf(fetch, spans()).find((span) => span.kind === SpanKind.SERVER);
    expect(request, 'the POS API’s request span, child of the till’s fetch').toBeDefined();
    expect(request!.resource.attributes['service.name']).toBe('pos-api');
    expect(await outboxTraceIds()).toEqual([sync.spanContext().traceId]);

    // The till's spans carry the server's resource and nothing of its credentials.
    for (const span of tillSpans()) {
      expect(span.resource.attributes).toEqual({
        'service.name': 'till',
        'cloudpos.tenant': till.world.tenant.slug,
      });
      expect(JSON.stringify([span.attributes, span.events])).not.toMatch(/bearer|authorization|eyJ/i);
    }
    // The uploads themselves are neither till spans nor traced by the API.
    expect(spans().filter((span) => JSON.stringify(span.attributes).includes('/v1/traces'))).toEqual([]);
  });

  it('is dropped while the till is offline, which sells on; the replay has a trace of its own', async () => {
    const { page, browser } = till;
    await page.getByRole('button', { name: 'New sale' }).click();
    exporter.reset();
    await browser.context.setOffline(true);
    await tapProduct(page, 'Pen');
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByLabel('Cash received').fill('5');
    await page.getByRole('button', { name: 'Complete sale' }).click();
    await expect.poll(() => page.getByTestId('sale-status').textContent()).toMatch(/Saved on this register/);
    // Long enough for uploads to come due (and be dropped) while offline, failed syncs among them.
    await page.waitForTimeout(6_000);

    await browser.context.setOffline(false);
    await expect
      .poll(() => page.getByTestId('sale-status').textContent(), { timeout: 30_000 })
      .toBe('Saved on the server.');
    // Attempts made offline failed (their spans say so, if they were not dropped); one succeeded.
    const replayOf = (receipt: number) =>
      saleSyncs().find(
        (span) =>
          span.status.code !== SpanStatusCode.ERROR &&
          (span.attributes['cloudpos.sale.receipt_numbers'] as number[]).includes(receipt),
      );
    await expect.poll(() => replayOf(2), { timeout: 30_000 }).toBeDefined();
    expect((await outboxTraceIds()).at(-1)).toBe(replayOf(2)!.spanContext().traceId);
    expect(till.pageErrors).toEqual([]);
  });
});
