// POST /v1/traces against the real API: only a signed-in till may send spans; a malformed or
// hostile body is a 400 problem with the path of what is wrong (never a 5xx); valid spans reach the
// process's exporter with the server's resource (service.name till, the request's tenant) whatever
// the body claims; the outcome is counted in /metrics; without an exporter they are dropped (204).
import type {} from '@cloudpos/harness/vitest/provided';
import { startTelemetry, type Telemetry } from '@cloudpos/telemetry';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { portalTokenSigner } from '../auth/portal-tokens.ts';
import {
  TEST_PORTAL_TOKEN_SECRET,
  bearer,
  sellingWorld,
  unsetTenant,
  type SellingWorld,
} from '../test-support.ts';
import { TRACE_BODY_LIMIT } from './routes.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let world: SellingWorld;

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'traces-test', spanExporter: exporter });
  world = await sellingWorld('traces', { postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
});

afterAll(async () => {
  await world?.close();
  await telemetry?.shutdown();
});

const TRACE_ID = '5b8efff798038103d269b633813fc60c';

/** A till's request body: a sale's sync span and its fetch, claiming to be someone else. */
function tillSpans(traceId = TRACE_ID) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'pos-api' } },
            { key: 'cloudpos.tenant', value: { stringValue: 'another-tenant' } },
          ],
          droppedAttributesCount: 0,
        },
        scopeSpans: [
          {
            scope: { name: '@cloudpos/till', version: '0.1.0' },
            spans: [
              {
                traceId,
                spanId: 'eee19b7ec3c1b174',
                name: 'till sale sync',
                kind: 1,
                startTimeUnixNano: '1765000000000000000',
                endTimeUnixNano: '1765000000250000000',
                attributes: [
                  { key: 'cloudpos.sale.count', value: { intValue: 1 } },
                  { key: 'cloudpos.tenant', value: { stringValue: 'another-tenant' } },
                ],
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                status: { code: 0 },
                links: [],
                droppedLinksCount: 0,
                flags: 257,
              },
              {
                traceId,
                spanId: 'eee19b7ec3c1b175',
                parentSpanId: 'eee19b7ec3c1b174',
                name: 'POST /v1/sales/batch',
                kind: 3,
                startTimeUnixNano: '1765000000010000000',
                endTimeUnixNano: '1765000000240000000',
                attributes: [
                  { key: 'http.request.method', value: { stringValue: 'POST' } },
                  { key: 'http.response.status_code', value: { intValue: 200 } },
                ],
                events: [{ timeUnixNano: '1765000000011000000', name: 'fetchStart', attributes: [] }],
                status: { code: 0 },
                flags: 257,
              },
            ],
          },
        ],
      },
    ],
  };
}

function post(
  payload: unknown,
  options: { token?: string | null; host?: string; contentType?: string } = {},
) {
  const token = options.token === undefined ? world.tenant.owner.accessToken : options.token;
  return world.app.inject({
    method: 'POST',
    url: '/v1/traces',
    headers: {
      host: options.host ?? world.tenant.host,
      'content-type': options.contentType ?? 'application/json',
      ...(token ? bearer(token) : {}),
    },
    payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });
}

const browserSpans = () =>
  exporter.getFinishedSpans().filter((span) => span.resource.attributes['service.name'] === 'till');

describe('POST /v1/traces', () => {
  it('needs a till’s sign-in: 401 without a token, 403 for a portal user, 403 with another tenant’s host', async () => {
    const anonymous = await post(tillSpans(), { token: null });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    expect(anonymous.json()).toMatchObject({ code: 'unauthenticated' });

    const portal = await portalTokenSigner({ platformSecret: TEST_PORTAL_TOKEN_SECRET })({
      tenant: world.tenant.slug,
      portalUserId: '8f0c9f7e-41b4-4a64-9d3c-0c1f3b7e0a11',
      role: 'owner',
    });
    expect((await post(tillSpans(), { token: portal })).json()).toMatchObject({
      status: 403,
      code: 'forbidden',
    });

    const other = await unsetTenant(world, 'traces-other');
    expect((await post(tillSpans(), { host: other.host })).json()).toMatchObject({
      status: 403,
      code: 'tenant_mismatch',
    });
    expect(browserSpans()).toEqual([]);
  });

  it('hands the spans to the exporter with the server’s resource, whatever the body claims', async () => {
    exporter.reset();
    const response = await post(tillSpans());
    expect(response.statusCode, response.body).toBe(204);
    const spans = browserSpans();
    expect(spans.map((span) => span.name).sort()).toEqual(['POST /v1/sales/batch', 'till sale sync']);
    for (const span of spans) {
      expect(span.resource.attributes).toEqual({
        'service.name': 'till',
        'cloudpos.tenant': world.tenant.slug,
      });
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.attributes['cloudpos.tenant']).toBeUndefined();
    }
    const fetch = spans.find((span) => span.name === 'POST /v1/sales/batch')!;
    expect(fetch.parentSpanContext?.spanId).toBe('eee19b7ec3c1b174');
    expect(fetch.events.map((event) => event.name)).toEqual(['fetchStart']);
  });

  it('refuses garbage with a 400 problem naming what is wrong, and nothing reaches the exporter', async () => {
    exporter.reset();
    const notJson = await post('{"resourceSpans": [', {});
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ code: 'invalid_json' });

    const notOtlp = await post({ spans: [] });
    expect(notOtlp.statusCode).toBe(400);
    expect(notOtlp.json()).toMatchObject({ code: 'validation_failed' });

    const hostile = tillSpans('not-a-trace-id');
    hostile.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.name = 'x'.repeat(10_000);
    hostile.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.endTimeUnixNano = 'NaN';
    const refused = await post(hostile);
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const problem = refused.json<{ code: string; errors: { path: string }[] }>();
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((error) => error.path)).toEqual(
      expect.arrayContaining([
        '/resourceSpans/0/scopeSpans/0/spans/0/traceId',
        '/resourceSpans/0/scopeSpans/0/spans/1/name',
        '/resourceSpans/0/scopeSpans/0/spans/1/endTimeUnixNano',
      ]),
    );

    const protobuf = await post(Buffer.from([0x0a, 0x00]), { contentType: 'application/x-protobuf' });
    expect(protobuf.statusCode).toBe(415);
    expect(protobuf.json()).toMatchObject({ code: 'unsupported_media_type' });

    const huge = await post(`{"resourceSpans":[],"pad":"${'x'.repeat(TRACE_BODY_LIMIT)}"}`);
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'body_too_large' });

    expect(browserSpans()).toEqual([]);
  });

  it('counts the spans it accepted and refused per tenant in /metrics', async () => {
    const scrape = await world.app.inject({ url: '/metrics' });
    const slug = world.tenant.slug;
    expect(scrape.body).toMatch(
      new RegExp(`cloudpos_browser_spans_total\\{[^}]*tenant="${slug}",outcome="accepted"[^}]*\\} 2\\b`),
    );
    expect(scrape.body).toMatch(
      new RegExp(`cloudpos_browser_spans_total\\{[^}]*tenant="${slug}",outcome="refused"[^}]*\\} 2\\b`),
    );
  });

  it('answers 204 and drops the spans when this process exports no traces', async () => {
    exporter.reset();
    await telemetry.shutdown();
    const response = await post(tillSpans());
    expect(response.statusCode).toBe(204);
    expect(exporter.getFinishedSpans()).toEqual([]);
    const scrape = await world.app.inject({ url: '/metrics' });
    expect(scrape.body).toMatch(
      new RegExp(
        `cloudpos_browser_spans_total\\{[^}]*tenant="${world.tenant.slug}",outcome="dropped"[^}]*\\} 2\\b`,
      ),
    );
  });
});
