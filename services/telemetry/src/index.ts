export {
  exportRemoteSpans,
  REMOTE_SPANS_PATH,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './sdk.ts';
export {
  claimedSpanCount,
  isReservedAttribute,
  REMOTE_SPAN_LIMITS,
  remoteSpansFromOtlpJson,
  type RemoteSpanError,
  type RemoteSpans,
} from './remote-spans.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export {
  injectTraceContext,
  extractTraceContext,
  currentTraceparent,
  type HeaderCarrier,
} from './propagation.ts';
