// Starts OpenTelemetry tracing for one process. Exporter choice: the standard OTEL_* variables when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER is set (OTLP with its protocol; `zipkin` with
// OTEL_EXPORTER_ZIPKIN_ENDPOINT for `npm start`'s trace viewer; `console`), the caller's exporter
// otherwise (tests pass an in-memory one), and no exporter when neither is given: spans are still
// recorded, so logs still carry trace ids.
//
// Put together here rather than with NodeSDK (@opentelemetry/sdk-node): NodeSDK loads every exporter
// and protocol it might be configured with (OTLP logs, metrics and traces over gRPC, JSON and
// protobuf, Zipkin, Prometheus, the declarative-configuration validator), each with its own copy of
// the SDK packages; about 40 MB of every process's memory, the operator's included, for the one
// exporter in use. Only that exporter is loaded, when the environment names it.
import { context, diag, DiagConsoleLogger, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  diagLogLevelFromString,
  getBooleanFromEnv,
  getNumberFromEnv,
  getStringFromEnv,
  getStringListFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NoopSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  /** Used when no exporter is configured by the environment; spans are exported synchronously (tests). */
  spanExporter?: SpanExporter;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

let running: Promise<Telemetry> | undefined;
/** Where spans recorded in other processes go (exportRemoteSpans); none while telemetry is off. */
let remoteSpanProcessors: SpanProcessor[] = [];

export function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  running ??= start(options);
  return running;
}

async function start(options: TelemetryOptions): Promise<Telemetry> {
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) {
    return {
      async shutdown() {
        running = undefined;
      },
    };
  }
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  if (logLevel) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });

  const configured = exporterFromEnvironment();
  const spanProcessors = configured
    ? await spanProcessorsFromEnvironment()
    : [
        options.spanExporter
          ? new SimpleSpanProcessor({ exporter: options.spanExporter })
          : new NoopSpanProcessor(),
      ];
  // The same exporters again, with queues and batches of their own: a browser's flood of spans
  // cannot crowd this process's own out of a queue, and no batch mixes services (Zipkin's exporter
  // names a batch's service after its first span).
  const remoteProcessors = configured
    ? await spanProcessorsFromEnvironment()
    : options.spanExporter
      ? [new SimpleSpanProcessor({ exporter: options.spanExporter })]
      : [];
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        // Probes, scrapes and browsers' span uploads would drown real traffic in traces.
        ignoreIncomingRequestHook: (req) => isUntracedPath(req.url),
      }),
      // Queries outside a request or job (pool health checks, probes) would be orphan root spans.
      new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: (opts) => isUntracedPath(opts.url),
      }),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  // W3C trace context and baggage: what the POS API, the worker and the portal speak to one another.
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  // The service name, OTEL_RESOURCE_ATTRIBUTES (a tenant's pods carry cloudpos.tenant), the process
  // and the host.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }))
    .merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? options.serviceName }),
    );
  const sampler = samplerFromEnvironment();
  const provider = new TracerProvider({ resource, spanProcessors, ...(sampler ? { sampler } : {}) });
  trace.setGlobalTracerProvider(provider);
  remoteSpanProcessors = remoteProcessors;
  // Metrics go through prom-client (/metrics), not the OTel metrics pipeline.
  return {
    async shutdown() {
      running = undefined;
      remoteSpanProcessors = [];
      await Promise.all([provider.shutdown(), ...remoteProcessors.map((processor) => processor.shutdown())]);
    },
  };
}

/**
 * Hands finished spans recorded in another process (the till's browser spans, with the resource the
 * receiving route gave them: remote-spans.ts) to this process's exporters. Answers whether any took
 * them: false when telemetry is off or exports nowhere, and the spans are dropped.
 */
export function exportRemoteSpans(spans: readonly ReadableSpan[]): boolean {
  if (remoteSpanProcessors.length === 0) return false;
  for (const span of spans) for (const processor of remoteSpanProcessors) processor.onEnd(span);
  return true;
}

function exporterFromEnvironment(): boolean {
  const exporters = process.env.OTEL_TRACES_EXPORTER?.trim();
  // `none` would leave the process without a tracer provider, and logs without trace ids.
  if (exporters && exporters !== 'none') return true;
  return Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/** OTEL_TRACES_EXPORTER's exporters (otlp by default), each loaded only when named. */
async function spanProcessorsFromEnvironment(): Promise<SpanProcessor[]> {
  const named = [...new Set(getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? [])].filter(
    (name) => name !== 'none' && name !== 'null',
  );
  const processors: SpanProcessor[] = [];
  for (const name of named.length > 0 ? named : ['otlp']) {
    if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
      continue;
    }
    const exporter =
      name === 'otlp' ? await otlpExporter() : name === 'zipkin' ? await zipkinExporter() : undefined;
    if (!exporter) {
      diag.warn(`Unrecognized OTEL_TRACES_EXPORTER value: ${name}.`);
      continue;
    }
    processors.push(
      new BatchSpanProcessor({
        exporter,
        ...positiveFromEnv('maxQueueSize', 'OTEL_BSP_MAX_QUEUE_SIZE'),
        ...positiveFromEnv('scheduledDelayMillis', 'OTEL_BSP_SCHEDULE_DELAY'),
        ...positiveFromEnv('exportTimeoutMillis', 'OTEL_BSP_EXPORT_TIMEOUT'),
        ...positiveFromEnv('maxExportBatchSize', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
      }),
    );
  }
  return processors;
}

/** The OTLP exporter of OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL; it reads its endpoint and headers itself. */
async function otlpExporter(): Promise<SpanExporter> {
  const protocol =
    getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    default:
      if (protocol !== 'http/protobuf') diag.warn(`Unsupported OTLP traces protocol: ${protocol}.`);
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

/** Zipkin's exporter reads OTEL_EXPORTER_ZIPKIN_ENDPOINT itself. */
async function zipkinExporter(): Promise<SpanExporter> {
  return new (await import('@opentelemetry/exporter-zipkin')).ZipkinExporter();
}

/** OTEL_TRACES_SAMPLER (and _ARG); undefined leaves the SDK's default, parent-based always-on. */
function samplerFromEnvironment(): Sampler | undefined {
  const ratio = () => {
    const value = getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG');
    return value !== undefined && value >= 0 && value <= 1 ? value : 1;
  };
  switch (getStringFromEnv('OTEL_TRACES_SAMPLER')) {
    case undefined:
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value, using the default sampler`);
      return undefined;
  }
}

function positiveFromEnv<K extends string>(key: K, name: string): Partial<Record<K, number>> {
  const value = getNumberFromEnv(name);
  return value !== undefined && value > 0 ? ({ [key]: value } as Record<K, number>) : {};
}

/**
 * Probes, scrapes, and the till's uploads of its own spans (POST /v1/traces: tracing each upload
 * would add a trace to the viewer every few seconds per till, about nothing).
 */
function isUntracedPath(url: string | undefined): boolean {
  if (!url) return false;
  const path = url.split('?')[0];
  return path === '/healthz' || path === '/readyz' || path === '/metrics' || path === REMOTE_SPANS_PATH;
}

/** Where the POS API takes the till's spans (OTLP/HTTP's path for traces, under the API's /v1). */
export const REMOTE_SPANS_PATH = '/v1/traces';
