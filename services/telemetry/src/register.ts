// Entry point for `node --import @cloudpos/telemetry/register <main>`: installs the ESM loader hook
// that lets instrumentations patch modules loaded with `import`, then starts the SDK before the
// application's own modules load. The service name comes from OTEL_SERVICE_NAME.
//
// The hook runs in the application's thread (module.registerHooks) and intercepts only the modules
// our instrumentations patch. Off-thread and intercepting every module, it cost the operator about
// 300 MB before its first tenant: a second V8 isolate, and each module parsed and wrapped.
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { register, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';
import { register as registerOffThread } from 'node:module';
import { startTelemetry } from './sdk.ts';

/** What sdk.ts's instrumentations patch (pg, ioredis, http, @fastify/otel). */
const INSTRUMENTED = ['pg', 'pg-pool', 'ioredis', 'fastify', 'http', 'https'];

let acknowledged: Promise<void> = Promise.resolve();
if (supportsSyncHooks()) {
  register({ include: INSTRUMENTED });
} else {
  // Node before 24.11.1: the loader thread, told which modules the instrumentations hook.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  registerOffThread('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  acknowledged = waitForAllMessagesAcknowledged();
}

const telemetry = await startTelemetry({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'cloudpos' });
// The instrumentations' hooks reach the loader before the application's first import.
await acknowledged;

// Flush spans on the way out; the application's own signal handlers close servers first.
process.once('beforeExit', () => {
  void telemetry.shutdown();
});
