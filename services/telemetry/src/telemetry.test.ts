import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { SpanKind, trace } from '@opentelemetry/api';
import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { extractTraceContext, injectTraceContext, currentTraceparent } from './propagation.ts';
import { remoteSpansFromOtlpJson } from './remote-spans.ts';
import { exportRemoteSpans, REMOTE_SPANS_PATH, startTelemetry, type Telemetry } from './sdk.ts';

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let app: { close(): Promise<unknown> };
let baseUrl: string;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  telemetry = await startTelemetry({ serviceName: 'telemetry-test', spanExporter: exporter });
  // Fastify is loaded after the SDK started, as `--import @cloudpos/telemetry/register` does it.
  const { fastify } = await import('fastify');
  const { observability } = await import('./fastify.ts');
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const logger = createLogger({ name: 'telemetry-test', destination: stream });
  const server = fastify({ loggerInstance: logger });
  app = server;
  await server.register(observability, { metrics: createMetrics({ service: 'telemetry-test' }) });
  server.post(REMOTE_SPANS_PATH, async (_request, reply) => reply.code(204).send());
  server.get('/orders/:id', async (request) => {
    request.log.info({ orderId: (request.params as { id: string }).id }, 'order looked up');
    return { ok: true };
  });
  baseUrl = await server.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close();
  await telemetry?.shutdown();
});

describe('an HTTP request', () => {
  it('produces a server span with the HTTP semantic-convention attributes and the route', async () => {
    exporter.reset();
    const response = await fetch(`${baseUrl}/orders/42?x=1`);
    expect(response.status).toBe(200);
    const serverSpan = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER);
    expect(serverSpan, 'an HTTP server span').toBeDefined();
    expect(serverSpan!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.path': '/orders/42',
      'http.route': '/orders/:id',
    });
    expect(serverSpan!.name).toBe('GET /orders/:id');
  });

  it('logs a JSON line carrying the trace id and span id of that request', async () => {
    exporter.reset();
    logLines.length = 0;
    await fetch(`${baseUrl}/orders/7`);
    const line = logLines.find((entry) => entry.msg === 'order looked up');
    expect(line).toBeDefined();
    const traceIds = new Set(exporter.getFinishedSpans().map((span) => span.spanContext().traceId));
    expect(line!.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIds.has(line!.trace_id as string)).toBe(true);
    expect(line!.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line!.level).toBe('info');
  });

  it('continues the caller’s trace from a traceparent header', async () => {
    exporter.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${baseUrl}/orders/9`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(exporter.getFinishedSpans().every((span) => span.spanContext().traceId === traceId)).toBe(true);
    expect(exporter.getFinishedSpans().length).toBeGreaterThan(0);
  });

  it('shows up in the Prometheus scrape, with the route pattern as label', async () => {
    const scrape = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(scrape).toMatch(
      /http_server_request_duration_seconds_count\{service="telemetry-test",method="GET",route="\/orders\/:id",status_code="200"\} [1-9]/,
    );
    expect(scrape).toMatch(/process_cpu_user_seconds_total\{service="telemetry-test"\}/);
    expect(scrape).toMatch(/nodejs_eventloop_lag_seconds/);
  });

  it('does not trace probes and scrapes', async () => {
    exporter.reset();
    await fetch(`${baseUrl}/metrics`);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('does not trace the upload of a till’s spans (each would be a trace of its own)', async () => {
    exporter.reset();
    const response = await fetch(`${baseUrl}${REMOTE_SPANS_PATH}`, { method: 'POST' });
    expect(response.status).toBe(204);
    await fetch(`${baseUrl}/orders/1`);
    expect(exporter.getFinishedSpans().map((span) => span.attributes['url.path'])).not.toContain(
      REMOTE_SPANS_PATH,
    );
    expect(exporter.getFinishedSpans().length).toBeGreaterThan(0);
  });
});

describe('spans recorded in another process', () => {
  it('reach this process’s exporter with the resource they were given', () => {
    exporter.reset();
    const received = remoteSpansFromOtlpJson(
      {
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'somebody-else' } }] },
            scopeSpans: [
              {
                scope: { name: '@cloudpos/till' },
                spans: [
                  {
                    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
                    spanId: '00f067aa0ba902b7',
                    name: 'till sale sync',
                    kind: 1,
                    startTimeUnixNano: '1700000000000000000',
                    endTimeUnixNano: '1700000000500000000',
                  },
                ],
              },
            ],
          },
        ],
      },
      { 'service.name': 'till', 'cloudpos.tenant': 'acme' },
    );
    expect(received.ok).toBe(true);
    expect(exportRemoteSpans(received.ok ? received.spans : [])).toBe(true);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('till sale sync');
    expect(span?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span?.resource.attributes).toEqual({ 'service.name': 'till', 'cloudpos.tenant': 'acme' });
  });
});

describe('trace context in message headers', () => {
  it('travels through a real NATS message and continues on the consumer side', async () => {
    const nc = await connect({ servers: inject('natsUrl') });
    try {
      const sub = nc.subscribe('telemetry.test', { max: 1 });
      const tracer = trace.getTracer('test');
      const sentTraceId = await tracer.startActiveSpan('publish', async (span) => {
        const h = natsHeaders();
        injectTraceContext(h);
        nc.publish('telemetry.test', 'hello', { headers: h });
        span.end();
        return span.spanContext().traceId;
      });
      for await (const message of sub) {
        const ctx = extractTraceContext(message.headers!);
        expect(trace.getSpanContext(ctx)?.traceId).toBe(sentTraceId);
        expect(trace.getSpanContext(ctx)?.isRemote).toBe(true);
      }
    } finally {
      await nc.close();
    }
  });

  it('gives the active traceparent for an outbox row, and nothing outside a span', async () => {
    expect(currentTraceparent()).toBeUndefined();
    const inside = trace.getTracer('test').startActiveSpan('work', (span) => {
      const value = currentTraceparent();
      span.end();
      return { value, traceId: span.spanContext().traceId };
    });
    expect(inside.value).toBe(`00-${inside.traceId}-${inside.value!.slice(36, 52)}-01`);
  });
});
