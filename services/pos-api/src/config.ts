// Configuration from the environment, validated at boot: a missing or malformed setting stops the
// process with a message that names it (never a stack trace, never the secret's value).
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://' }),
  // The tenant's NATS account (dedicated mode); the pooled local API has none, its events wait in
  // the outbox for the worker.
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://' })),
  NATS_CREDS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_URL: Type.String({ pattern: '^rediss?://' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  }
  const missing = Object.entries(ConfigSchema.properties)
    .filter(
      ([key, schema]) =>
        (ConfigSchema.required as readonly string[]).includes(key) && !('default' in schema) && !(key in raw),
    )
    .map(([key]) => `${key} is not set`);
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw)) as Record<
    string,
    unknown
  >;
  const invalid = [...Value.Errors(ConfigSchema, withDefaults)]
    .map((error) => error.instancePath.replace(/^\//, ''))
    .filter((key) => key !== '' && key in raw)
    .map((key) => `${key} is invalid`);
  const problems = [...new Set([...missing, ...invalid])];
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return withDefaults as Config;
}
