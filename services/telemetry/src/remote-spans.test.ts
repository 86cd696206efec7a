// OTLP/HTTP JSON → ReadableSpan: real spans recorded by the SDK and written by OpenTelemetry's own
// JSON serializer (what the till's exporter sends) come back as they were, with the receiver's
// resource; anything hostile or malformed is refused with the path of what is wrong.
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { REMOTE_SPAN_LIMITS, remoteSpansFromOtlpJson, type RemoteSpans } from './remote-spans.ts';

const SERVER_RESOURCE = { 'service.name': 'till', 'cloudpos.tenant': 'acme' };

/** Spans as the till records them: a sale's sync around its fetch, with events, a link, an error. */
function recordedSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    // What a browser claims about itself; the receiver must not believe it.
    resource: resourceFromAttributes({ 'service.name': 'pos-api', 'cloudpos.tenant': 'other' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('@cloudpos/till', '0.1.0');
  const sync = tracer.startSpan('till sale sync', {
    attributes: { 'cloudpos.sale.count': 2, 'cloudpos.sale.receipt_numbers': [41, 42] },
  });
  const fetch = tracer.startSpan(
    'POST /v1/sales/batch',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'http://acme.localhost/v1/sales/batch',
        'server.port': 8080,
        ratio: 0.25,
        cached: false,
      },
      links: [{ context: sync.spanContext(), attributes: { why: 'same sale' } }],
    },
    trace.setSpan(context.active(), sync),
  );
  fetch.addEvent('fetchStart', { phase: 'network' });
  fetch.setStatus({ code: SpanStatusCode.ERROR, message: 'HTTP 503' });
  fetch.end();
  sync.end();
  return exporter.getFinishedSpans();
}

/** The request body the till's exporter would send for these spans. */
function otlpJson(spans: ReadableSpan[]): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans))) as Record<
    string,
    unknown
  >;
}

type Body = {
  resourceSpans: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeSpans: { scope: Record<string, unknown>; spans: Record<string, unknown>[] }[];
  }[];
};

/** A valid body, changed by `change` (on a deep copy). */
function bodyWith(change: (body: Body) => void): Body {
  const body = otlpJson(recordedSpans()) as unknown as Body;
  change(body);
  return body;
}

const firstSpan = (body: Body) => body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
const SPAN = '/resourceSpans/0/scopeSpans/0/spans/0';

function refused(result: RemoteSpans) {
  expect(result.ok, 'refused').toBe(false);
  return result.ok ? [] : result.errors;
}

describe('spans sent as OTLP/HTTP JSON', () => {
  it('come back as the SDK recorded them: ids, parent, kind, times, attributes, events, links, status', () => {
    const original = recordedSpans();
    const result = remoteSpansFromOtlpJson(otlpJson(original), SERVER_RESOURCE);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const spans = result.ok ? result.spans : [];
    expect(spans).toHaveLength(2);
    for (const sent of original) {
      const received = spans.find((span) => span.spanContext().spanId === sent.spanContext().spanId)!;
      expect(received.name).toBe(sent.name);
      expect(received.kind).toBe(sent.kind);
      expect(received.spanContext()).toEqual({
        traceId: sent.spanContext().traceId,
        spanId: sent.spanContext().spanId,
        traceFlags: TraceFlags.SAMPLED,
      });
      expect(received.parentSpanContext?.spanId).toBe(sent.parentSpanContext?.spanId);
      expect(received.startTime).toEqual(sent.startTime);
      expect(received.endTime).toEqual(sent.endTime);
      expect(received.duration).toEqual(sent.duration);
      expect(received.attributes).toEqual(sent.attributes);
      expect(received.status).toEqual(sent.status);
      expect(received.events).toEqual(sent.events);
      expect(received.links.map((link) => link.context.spanId)).toEqual(
        sent.links.map((link) => link.context.spanId),
      );
      expect(received.instrumentationScope).toEqual({ name: '@cloudpos/till', version: '0.1.0' });
      expect(received.ended).toBe(true);
    }
    const fetch = spans.find((span) => span.kind === SpanKind.CLIENT)!;
    const sync = spans.find((span) => span.kind === SpanKind.INTERNAL)!;
    expect(fetch.parentSpanContext?.spanId).toBe(sync.spanContext().spanId);
    expect(fetch.parentSpanContext?.traceId).toBe(sync.spanContext().traceId);
    expect(sync.parentSpanContext).toBeUndefined();
    expect(fetch.status).toEqual({ code: SpanStatusCode.ERROR, message: 'HTTP 503' });
    expect(fetch.links[0]!.attributes).toEqual({ why: 'same sale' });
  });

  it('are what OTLP’s own serializer takes: sent on from this process (OTLP in a cluster), they read the same', () => {
    const received = remoteSpansFromOtlpJson(otlpJson(recordedSpans()), SERVER_RESOURCE);
    const spans = received.ok ? received.spans : [];
    const forwarded = otlpJson(spans) as unknown as Body;
    expect(forwarded.resourceSpans).toHaveLength(1);
    expect(forwarded.resourceSpans[0]!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'till' } },
      { key: 'cloudpos.tenant', value: { stringValue: 'acme' } },
    ]);
    const again = remoteSpansFromOtlpJson(forwarded, SERVER_RESOURCE);
    expect(again.ok).toBe(true);
    const strip = (span: ReadableSpan) => ({
      ...span,
      spanContext: span.spanContext(),
      resource: span.resource.attributes,
    });
    expect((again.ok ? again.spans : []).map(strip)).toEqual(spans.map(strip));
  });

  it('carry the receiver’s resource: a body claiming another service or tenant does not win', () => {
    const body = bodyWith((body) => {
      firstSpan(body).attributes = [
        { key: 'service.name', value: { stringValue: 'pos-api' } },
        { key: 'cloudpos.tenant', value: { stringValue: 'other' } },
        {
          key: 'http.request.header.authorization',
          value: { arrayValue: { values: [{ stringValue: 'Bearer x' }] } },
        },
        { key: 'kept', value: { stringValue: 'yes' } },
      ];
    });
    expect(JSON.stringify(body.resourceSpans[0]!.resource)).toContain('"pos-api"');
    const result = remoteSpansFromOtlpJson(body, SERVER_RESOURCE);
    expect(result.ok).toBe(true);
    for (const span of result.ok ? result.spans : []) {
      expect(span.resource.attributes).toEqual(SERVER_RESOURCE);
      expect(span.attributes['service.name']).toBeUndefined();
      expect(span.attributes['cloudpos.tenant']).toBeUndefined();
      expect(JSON.stringify(span.attributes)).not.toContain('Bearer');
    }
    const first = result.ok ? result.spans[0]! : undefined;
    expect(first?.attributes).toEqual({ kept: 'yes' });
    expect(first?.droppedAttributesCount).toBe(3);
  });

  it('take int64 values as numbers or decimal strings, an empty parent as none, and no spans at all', () => {
    const result = remoteSpansFromOtlpJson(
      bodyWith((body) => {
        firstSpan(body).attributes = [{ key: 'n', value: { intValue: '-12' } }];
        firstSpan(body).parentSpanId = '';
        firstSpan(body).startTimeUnixNano = 1_700_000_000_000;
        firstSpan(body).endTimeUnixNano = '1700000000000000';
      }),
      SERVER_RESOURCE,
    );
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const span = result.ok ? result.spans[0]! : undefined;
    expect(span?.attributes).toEqual({ n: -12 });
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.startTime).toEqual([1700, 0]);
    expect(span?.endTime).toEqual([1_700_000, 0]);
    expect(remoteSpansFromOtlpJson({ resourceSpans: [] }, SERVER_RESOURCE)).toEqual({ ok: true, spans: [] });
    expect(remoteSpansFromOtlpJson({}, SERVER_RESOURCE)).toEqual({ ok: true, spans: [] });
  });
});

describe('a hostile or malformed body', () => {
  const cases: { label: string; change: (body: Body) => void; path: string }[] = [
    { label: 'a huge name', change: (b) => (firstSpan(b).name = 'x'.repeat(70_000)), path: `${SPAN}/name` },
    {
      label: 'a name just over the limit',
      change: (b) => (firstSpan(b).name = 'x'.repeat(REMOTE_SPAN_LIMITS.nameLength + 1)),
      path: `${SPAN}/name`,
    },
    { label: 'a name with NUL', change: (b) => (firstSpan(b).name = 'a\u0000b'), path: `${SPAN}/name` },
    { label: 'a lone surrogate', change: (b) => (firstSpan(b).name = 'a\ud800'), path: `${SPAN}/name` },
    { label: 'a number as name', change: (b) => (firstSpan(b).name = 42), path: `${SPAN}/name` },
    {
      label: 'a trace id not hex',
      change: (b) => (firstSpan(b).traceId = 'z'.repeat(32)),
      path: `${SPAN}/traceId`,
    },
    {
      label: 'a short trace id',
      change: (b) => (firstSpan(b).traceId = 'a'.repeat(31)),
      path: `${SPAN}/traceId`,
    },
    {
      label: 'an all-zero trace id',
      change: (b) => (firstSpan(b).traceId = '0'.repeat(32)),
      path: `${SPAN}/traceId`,
    },
    {
      label: 'a long span id',
      change: (b) => (firstSpan(b).spanId = 'a'.repeat(17)),
      path: `${SPAN}/spanId`,
    },
    {
      label: 'a base64 span id',
      change: (b) => (firstSpan(b).spanId = 'AAECAwQFBgc='),
      path: `${SPAN}/spanId`,
    },
    {
      label: 'a bad parent id',
      change: (b) => (firstSpan(b).parentSpanId = 'nope'),
      path: `${SPAN}/parentSpanId`,
    },
    {
      label: 'a "NaN" time',
      change: (b) => (firstSpan(b).startTimeUnixNano = 'NaN'),
      path: `${SPAN}/startTimeUnixNano`,
    },
    {
      label: 'a NaN time',
      change: (b) => (firstSpan(b).startTimeUnixNano = NaN),
      path: `${SPAN}/startTimeUnixNano`,
    },
    {
      label: 'a negative time',
      change: (b) => (firstSpan(b).endTimeUnixNano = '-1'),
      path: `${SPAN}/endTimeUnixNano`,
    },
    {
      label: 'a time in exponent notation',
      change: (b) => (firstSpan(b).endTimeUnixNano = '1e21'),
      path: `${SPAN}/endTimeUnixNano`,
    },
    {
      label: 'a time past 64 bits',
      change: (b) => (firstSpan(b).endTimeUnixNano = '99999999999999999999'),
      path: `${SPAN}/endTimeUnixNano`,
    },
    {
      label: 'time zero',
      change: (b) => (firstSpan(b).startTimeUnixNano = '0'),
      path: `${SPAN}/startTimeUnixNano`,
    },
    {
      label: 'an end before the start',
      change: (b) => {
        firstSpan(b).startTimeUnixNano = '1700000000000000002';
        firstSpan(b).endTimeUnixNano = '1700000000000000001';
      },
      path: `${SPAN}/endTimeUnixNano`,
    },
    { label: 'an unknown kind', change: (b) => (firstSpan(b).kind = 6), path: `${SPAN}/kind` },
    {
      label: 'an unknown status',
      change: (b) => (firstSpan(b).status = { code: 3 }),
      path: `${SPAN}/status/code`,
    },
    { label: 'an unknown span field', change: (b) => (firstSpan(b).evil = true), path: `${SPAN}/evil` },
    {
      label: 'deep nesting under an unknown field',
      change: (b) => {
        let deep: unknown = {};
        for (let i = 0; i < 10_000; i += 1) deep = { a: deep };
        firstSpan(b).nested = deep;
      },
      path: `${SPAN}/nested`,
    },
    {
      label: 'a nested array value',
      change: (b) =>
        (firstSpan(b).attributes = [
          { key: 'deep', value: { arrayValue: { values: [{ arrayValue: { values: [] } }] } } },
        ]),
      path: `${SPAN}/attributes/0/value/arrayValue/values/0/arrayValue`,
    },
    {
      label: 'a key-value list value',
      change: (b) => (firstSpan(b).attributes = [{ key: 'map', value: { kvlistValue: { values: [] } } }]),
      path: `${SPAN}/attributes/0/value/kvlistValue`,
    },
    {
      label: 'bytes',
      change: (b) => (firstSpan(b).attributes = [{ key: 'raw', value: { bytesValue: 'AAAA' } }]),
      path: `${SPAN}/attributes/0/value/bytesValue`,
    },
    {
      label: 'a huge attribute value',
      change: (b) => (firstSpan(b).attributes = [{ key: 'big', value: { stringValue: 'x'.repeat(70_000) } }]),
      path: `${SPAN}/attributes/0/value/stringValue`,
    },
    {
      label: 'an attribute key with a space',
      change: (b) => (firstSpan(b).attributes = [{ key: 'a b', value: { boolValue: true } }]),
      path: `${SPAN}/attributes/0/key`,
    },
    {
      label: 'too many attributes',
      change: (b) =>
        (firstSpan(b).attributes = Array.from({ length: REMOTE_SPAN_LIMITS.attributes + 1 }, (_, i) => ({
          key: `k${i}`,
          value: { intValue: i },
        }))),
      path: `${SPAN}/attributes`,
    },
    {
      label: 'an int that is not one',
      change: (b) => (firstSpan(b).attributes = [{ key: 'n', value: { intValue: '9'.repeat(20) } }]),
      path: `${SPAN}/attributes/0/value/intValue`,
    },
    {
      label: 'a mixed array',
      change: (b) =>
        (firstSpan(b).attributes = [
          { key: 'mixed', value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'a' }] } } },
        ]),
      path: `${SPAN}/attributes/0/value/arrayValue`,
    },
    {
      label: 'two values at once',
      change: (b) => (firstSpan(b).attributes = [{ key: 'two', value: { intValue: 1, boolValue: true } }]),
      path: `${SPAN}/attributes/0/value`,
    },
    {
      label: 'too many events',
      change: (b) =>
        (firstSpan(b).events = Array.from({ length: REMOTE_SPAN_LIMITS.events + 1 }, () => ({
          name: 'e',
          timeUnixNano: '1700000000000000000',
        }))),
      path: `${SPAN}/events`,
    },
    { label: 'an unknown top-level field', change: (b) => Object.assign(b, { extra: 1 }), path: '/extra' },
    {
      label: 'a resource with an unknown field',
      change: (b) => Object.assign(b.resourceSpans[0]!.resource, { entityRefs: [] }),
      path: '/resourceSpans/0/resource/entityRefs',
    },
    {
      label: 'spans that are not an array',
      change: (b) => Object.assign(b.resourceSpans[0]!.scopeSpans[0]!, { spans: { 0: {} } }),
      path: '/resourceSpans/0/scopeSpans/0/spans',
    },
  ];

  it.each(cases)('is refused: $label', ({ change, path }) => {
    const errors = refused(remoteSpansFromOtlpJson(bodyWith(change), SERVER_RESOURCE));
    expect(errors.map((error) => error.path)).toContain(path);
  });

  it('is refused when it carries too many spans, counted over every resource and scope', () => {
    const body = bodyWith((b) => {
      const span = firstSpan(b);
      const half = Array.from({ length: REMOTE_SPAN_LIMITS.spans / 2 }, () => span);
      b.resourceSpans[0]!.scopeSpans = [
        { ...b.resourceSpans[0]!.scopeSpans[0]!, spans: half },
        { ...b.resourceSpans[0]!.scopeSpans[0]!, spans: [...half, span] },
      ];
    });
    expect(refused(remoteSpansFromOtlpJson(body, SERVER_RESOURCE))).toEqual([
      { path: '/resourceSpans', message: `at most ${REMOTE_SPAN_LIMITS.spans} spans in one request` },
    ]);
  });

  it('is not JSON shaped like a trace request at all', () => {
    for (const body of [null, 'spans', 42, [], { resourceSpans: 'x' }, { resourceSpans: [null] }])
      expect(refused(remoteSpansFromOtlpJson(body, SERVER_RESOURCE)).length).toBeGreaterThan(0);
  });

  it('costs no more than a few errors to refuse, however much is wrong in it', () => {
    const body = bodyWith((b) => {
      b.resourceSpans[0]!.scopeSpans[0]!.spans = Array.from({ length: REMOTE_SPAN_LIMITS.spans }, () => ({
        traceId: 'bad',
        spanId: 'bad',
        name: 1,
      }));
    });
    expect(refused(remoteSpansFromOtlpJson(body, SERVER_RESOURCE))).toHaveLength(REMOTE_SPAN_LIMITS.errors);
  });
});
