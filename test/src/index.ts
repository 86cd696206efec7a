import './vitest/provided.ts';
export {
  startPostgres,
  generatePassword,
  ensurePostgresOsUser,
  type PostgresServer,
} from './infra/postgres.ts';
export { startNats, type NatsServer } from './infra/nats.ts';
export { natsOperatorIdentity, type NatsOperatorIdentity } from './infra/nats-operator.ts';
export { startRedis, type RedisServer } from './infra/redis.ts';
export { startMailpit, type MailpitServer, type MailpitMessage } from './infra/mailpit.ts';
export { startZipkin, type ZipkinServer, type ZipkinSpan } from './infra/zipkin.ts';
export { ManagedProcess, freePort, assertPortFree } from './infra/process.ts';
export { ActionableError, reportFatal } from './tools/errors.ts';
export {
  debianPostgres,
  locatePgClientTools,
  locateCrane,
  type PgClientTools,
  type PostgresBinaries,
} from './tools/locate.ts';
export { ensureTools, ensureCrane } from './tools/ensure-tools.ts';
export { createTestDatabase, type TestDatabase } from './infra/database.ts';
export { OtlpReceiver, type ReceivedSpan } from './infra/otlp-receiver.ts';
export { eventually } from './infra/eventually.ts';
export { startControlPlane, type ControlPlane } from './k8s/control-plane.ts';
export { startS3, type S3Server } from './infra/s3.ts';
export {
  StripeFake,
  parseForm,
  type StripeFakeOptions,
  type RecordedStripeRequest,
  type StripeWebhookDelivery,
  type StripeFakeEvent,
} from './infra/stripe-fake.ts';
export {
  launchChromium,
  screenshot,
  accessibilityViolations,
  smallTouchTargets,
  VIEWPORTS,
  SCREENSHOT_DIR,
  type ChromiumSession,
  type AxeViolation,
} from './infra/browser.ts';
export { compileTypeScriptTree, renameEntryPoints, stageCompiled, trackedSources } from './build/compile.ts';
export {
  bundleClientNode,
  clientNodeImports,
  CLIENT_NODE,
  CLIENT_NODE_BUNDLER,
  isModule,
  moduleFiles,
  type ClientNodeBundle,
} from './build/client-node.ts';
