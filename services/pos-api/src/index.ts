export { buildApp, type AppDependencies, type PosApi } from './app.ts';
export { loadConfig, ConfigError, type Config } from './config.ts';
export { ProblemError, sendProblem, type Problem } from './errors.ts';
export type { ReadinessCheck } from './plugins/health.ts';
