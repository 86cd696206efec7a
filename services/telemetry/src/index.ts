export { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export {
  injectTraceContext,
  extractTraceContext,
  currentTraceparent,
  type HeaderCarrier,
} from './propagation.ts';
