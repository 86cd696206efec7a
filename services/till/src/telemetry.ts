// OpenTelemetry in the till, started by main.tsx before the app. Every fetch of the POS API (its
// /v1 routes on the till's own origin) gets a CLIENT span and a W3C traceparent header, which the
// API continues: its request span is the child of the till's. Finished spans go in batches to the
// same origin (POST /v1/traces, OTLP/HTTP JSON), where the API gives them the tenant and hands them
// to the platform's traces, so that one sale's trace starts at the till.
//
// Telemetry never gets in the way of selling. A batch is sent only while the browser is online and
// a staff member's stored access token is still valid (sending never refreshes a sign-in: that would
// spend refresh tokens the till needs); otherwise it is dropped. Export failures end in the SDK's
// error handler, which logs nowhere, and nothing here throws into the page.
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVICE_NAME,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { fetchSpanName, TILL_SPAN_LIMITS, TILL_SPANS_PER_UPLOAD, urlWithoutQuery } from './tracing.ts';

/** Where the POS API takes the till's spans (REMOTE_SPANS_PATH in @cloudpos/telemetry). */
export const TRACES_PATH = '/v1/traces';

/** The access token a batch is sent with, or undefined to drop it. */
export type TraceCredentials = () => Promise<string | undefined>;

let credentials: TraceCredentials | undefined;

/**
 * Sends the till's spans with these credentials from now on (the signed-in staff member's); the
 * returned function stops that again (sign-out: spans are then dropped).
 */
export function setTraceCredentials(source: TraceCredentials): () => void {
  credentials = source;
  return () => {
    if (credentials === source) credentials = undefined;
  };
}

/** The OTLP exporter, asked to send only when there is someone to send as and a network. */
class TillSpanExporter implements SpanExporter {
  readonly #otlp = new OTLPTraceExporter({
    url: new URL(TRACES_PATH, location.origin).href,
    headers: async (): Promise<Record<string, string>> => {
      const token = await credentials?.();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    timeoutMillis: 10_000,
  });

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const dropped = (reason: string) => done({ code: ExportResultCode.FAILED, error: new Error(reason) });
    if (!navigator.onLine) return dropped('offline: the till’s spans are dropped');
    const source = credentials;
    if (!source) return dropped('nobody is signed in: the till’s spans are dropped');
    void (async () => {
      try {
        const token = await source();
        if (!token) return dropped('no valid sign-in: the till’s spans are dropped');
        this.#otlp.export(spans, done);
      } catch (error) {
        done({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        });
      }
    })();
  }

  shutdown(): Promise<void> {
    return this.#otlp.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#otlp.forceFlush();
  }
}

const FETCH_SCOPE = '@opentelemetry/instrumentation-fetch';

/**
 * Names each fetch span after its route (`POST /v1/sales/batch`, not the instrumentation's bare
 * `POST`) and keeps the query out of its URL.
 */
const fetchSpanNames: SpanProcessor = {
  onStart(span: Span) {
    if (span.instrumentationScope.name !== FETCH_SCOPE || span.kind !== SpanKind.CLIENT) return;
    const url = span.attributes[ATTR_URL_FULL];
    if (typeof url !== 'string') return;
    span.updateName(fetchSpanName(String(span.attributes[ATTR_HTTP_REQUEST_METHOD] ?? 'GET'), url));
    span.setAttribute(ATTR_URL_FULL, urlWithoutQuery(url));
  },
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/** Starts tracing in this page; a browser without what it needs simply has no till spans. */
export function startTillTelemetry(): void {
  try {
    const provider = new WebTracerProvider({
      // The API sets the resource it exports the spans with; this one is for the till's own use.
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'till' }),
      spanLimits: TILL_SPAN_LIMITS,
      spanProcessors: [
        fetchSpanNames,
        new BatchSpanProcessor({
          exporter: new TillSpanExporter(),
          maxExportBatchSize: TILL_SPANS_PER_UPLOAD,
          maxQueueSize: 1024,
          scheduledDelayMillis: 5_000,
          exportTimeoutMillis: 15_000,
        }),
      ],
    });
    // W3C trace context (what the API continues; no baggage), in the browser's stack context manager.
    provider.register({ propagator: new W3CTraceContextPropagator() });
    const origin = escapeRegExp(location.origin);
    registerInstrumentations({
      instrumentations: [
        new FetchInstrumentation({
          ignoreUrls: [
            // Never the span uploads themselves (the exporter also bypasses the instrumented fetch)…
            new RegExp(`^${origin}${TRACES_PATH}(?:[?#]|$)`),
            // …and only the API: not the app's own files (the barcode reader's WebAssembly).
            new RegExp(`^(?!${origin}/v1/)`),
          ],
          // traceparent goes to the till's own origin only (the default, said here on purpose).
          propagateTraceHeaderCorsUrls: [],
        }),
      ],
    });
  } catch (error) {
    console.warn('the till’s tracing did not start', error);
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
