// Entry point for `node --import @cloudpos/telemetry/register <main>`: installs the ESM loader hook
// that lets instrumentations patch modules loaded with `import`, then starts the SDK before the
// application's own modules load. The service name comes from OTEL_SERVICE_NAME.
import { register } from 'node:module';
import { startTelemetry } from './sdk.ts';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const telemetry = startTelemetry({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'cloudpos' });

// Flush spans on the way out; the application's own signal handlers close servers first.
process.once('beforeExit', () => {
  void telemetry.shutdown();
});
