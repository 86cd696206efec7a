// Starts the OpenTelemetry NodeSDK for one process. Exporter choice: the SDK's own from the standard
// OTEL_* variables when OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER is set (OTLP with its
// protocol; `zipkin` with OTEL_EXPORTER_ZIPKIN_ENDPOINT for `npm start`'s trace viewer), the
// caller's exporter otherwise (tests pass an in-memory one), and no exporter when
// neither is given: spans are still recorded, so logs still carry trace ids.
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';

export interface TelemetryOptions {
  serviceName: string;
  /** Used when no exporter is configured by the environment; spans are exported synchronously (tests). */
  spanExporter?: SpanExporter;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

let running: Telemetry | undefined;

export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (running) return running;
  // undefined lets the SDK build the OTLP batch exporter from the environment.
  const spanProcessors = exporterFromEnvironment()
    ? undefined
    : [
        options.spanExporter
          ? new SimpleSpanProcessor({ exporter: options.spanExporter })
          : new NoopSpanProcessor(),
      ];
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? options.serviceName,
    ...(spanProcessors ? { spanProcessors } : {}),
    // Metrics go through prom-client (/metrics), not the OTel metrics pipeline.
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would drown real traffic in traces.
        ignoreIncomingRequestHook: (req) => isProbePath(req.url),
      }),
      // Queries outside a request or job (pool health checks, probes) would be orphan root spans.
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
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

function exporterFromEnvironment(): boolean {
  const exporters = process.env.OTEL_TRACES_EXPORTER?.trim();
  // `none` would leave the SDK without a tracer provider, and logs without trace ids.
  if (exporters && exporters !== 'none') return true;
  return Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

function isProbePath(url: string | undefined): boolean {
  if (!url) return false;
  const path = url.split('?')[0];
  return path === '/healthz' || path === '/readyz' || path === '/metrics';
}
