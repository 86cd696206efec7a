// pino JSON logs that carry the active span's trace and span ids, so that a log line can be found
// from a trace and the other way round.
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Defaults to stdout; tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Credentials must never reach a log line, whatever a caller passes in.
      redact: {
        paths: [
          'password',
          '*.password',
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'databaseUrl',
          '*.databaseUrl',
          // Staff sign-in: PINs, till secrets and tokens, wherever a caller logs a body or a result.
          'pin',
          '*.pin',
          'deviceSecret',
          '*.deviceSecret',
          'secret',
          '*.secret',
          'accessToken',
          '*.accessToken',
          'refreshToken',
          '*.refreshToken',
          'setupCode',
          '*.setupCode',
          'req.headers["x-approval-id"]',
        ],
        censor: '[redacted]',
      },
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId, traceFlags } = span.spanContext();
        return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) };
      },
    },
    options.destination,
  );
}
