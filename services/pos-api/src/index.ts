export { buildApp, type AppDependencies, type PosApi } from './app.ts';
export { loadConfig, ConfigError, type Config } from './config.ts';
export { ProblemError, sendProblem, type Problem } from './errors.ts';
export type { ReadinessCheck } from './plugins/health.ts';
export { problem, problemResponses, PROBLEM_CODES, type ProblemCode } from './errors.ts';
export type { RequestContext, TenantInfo, Actor } from './tenancy/context.ts';
export { requirePermission, APPROVAL_HEADER } from './staff/require-permission.ts';
export { decide, ACTIONS, type Action, type Decision } from './staff/permissions.ts';
export { recordAudit, writeAudit } from './staff/audit.ts';
export { pinHasher, sha256, type PinHasher } from './staff/secrets.ts';
export { newPinPepper, parsePinPeppers, type PinPeppers } from './staff/pin-peppers.ts';
export { tenantSetupCode } from './auth/tokens.ts';
export { COUNT_SCRIPT, GIVE_BACK_SCRIPT } from './limits/counters.ts';
// The chart's dashboards and alerts are checked against the metrics the process registers.
export { salesMetrics } from './sales/metrics.ts';
export {
  portalTokenKey,
  portalTokenSigner,
  portalTokenVerifier,
  PORTAL_ROLES,
  type PortalRole,
} from './auth/portal-tokens.ts';
