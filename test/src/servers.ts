// The harness's servers alone, without its browsers, Kubernetes control plane and build tools: for
// a process that measures something running beside them (the POS API's benchmarks), whose heap
// the whole harness would grow by ~60 MB and whose garbage collections it would slow down.
export { startPostgres, generatePassword, type PostgresServer } from './infra/postgres.ts';
export { startRedis, type RedisServer } from './infra/redis.ts';
