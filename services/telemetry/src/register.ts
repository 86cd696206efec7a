// Entry point for `node --import @cloudpos/telemetry/register <main>`: installs the ESM loader hook
// that lets instrumentations patch modules loaded with `import`, then starts the SDK before the
// application's own modules load. The service name comes from OTEL_SERVICE_NAME.
//
// The loader hook intercepts only the modules an instrumentation asked for (pg, ioredis, http,
// fastify): left to intercept every module, it parsed and wrapped each one, and the operator held
// 600 MB before its first tenant (OpenTelemetry's ESM guide, "Only Intercepting Hooked modules").
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { register } from 'node:module';
import { startTelemetry } from './sdk.ts';

const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

const telemetry = startTelemetry({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'cloudpos' });
// The instrumentations' hooks reach the loader before the application's first import.
await waitForAllMessagesAcknowledged();

// Flush spans on the way out; the application's own signal handlers close servers first.
process.once('beforeExit', () => {
  void telemetry.shutdown();
});
