// Starts the OpenTelemetry NodeSDK for one process. Exporter choice: OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, the caller's exporter (tests pass an in-memory one) otherwise,
// and no exporter at all when neither is given (spans still exist, so logs still carry trace ids).
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SimpleSpanProcessor, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';

export interface TelemetryOptions {
  serviceName: string;
  /** Used when OTEL_EXPORTER_OTLP_ENDPOINT is not set; spans are exported synchronously (tests). */
  spanExporter?: SpanExporter;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

let running: Telemetry | undefined;

export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (running) return running;
  const spanProcessors = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })]
    : options.spanExporter
      ? [new SimpleSpanProcessor({ exporter: options.spanExporter })]
      : [];
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? options.serviceName,
    spanProcessors,
    // Metrics go through prom-client (/metrics), not the OTel metrics pipeline.
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown real traffic in traces.
        ignoreIncomingRequestHook: (req) => isProbePath(req.url),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation(),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: (opts) => isProbePath(opts.url),
      }),
    ],
  });
  sdk.start();
  const telemetry: Telemetry = {
    async shutdown() {
      running = undefined;
      await sdk.shutdown();
    },
  };
  running = telemetry;
  return telemetry;
}

function isProbePath(url: string | undefined): boolean {
  if (!url) return false;
  const path = url.split('?')[0];
  return path === '/healthz' || path === '/readyz' || path === '/metrics';
}
