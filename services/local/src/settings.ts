// Where `npm start` keeps its data and which ports it uses; every value can be overridden from the
// environment, so two checkouts (or a test) can run side by side.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ActionableError } from '@cloudpos/harness';

export interface LocalSettings {
  home: string;
  ports: {
    api: number;
    postgres: number;
    nats: number;
    natsMonitor: number;
    redis: number;
    worker: number;
    portal: number;
    mailpit: number;
    mailpitSmtp: number;
    traceViewer: number;
  };
  /** Runs the trace viewer (Zipkin, about 200 MB of Java); CLOUDPOS_TRACE_VIEWER=off leaves it out. */
  traceViewer: boolean;
}

export const PORT_VARIABLES = {
  api: ['CLOUDPOS_API_PORT', 8080, 'the POS API'],
  postgres: ['CLOUDPOS_PG_PORT', 5433, 'PostgreSQL'],
  nats: ['CLOUDPOS_NATS_PORT', 4223, 'NATS'],
  natsMonitor: ['CLOUDPOS_NATS_MONITOR_PORT', 8223, 'the NATS monitor'],
  redis: ['CLOUDPOS_REDIS_PORT', 6380, 'Redis'],
  worker: ['CLOUDPOS_WORKER_PORT', 8081, "the worker's metrics"],
  portal: ['CLOUDPOS_PORTAL_PORT', 3000, 'the merchant portal'],
  mailpit: ['CLOUDPOS_MAILPIT_PORT', 8025, "Mailpit's mailbox"],
  mailpitSmtp: ['CLOUDPOS_SMTP_PORT', 1025, "Mailpit's SMTP server"],
  traceViewer: ['CLOUDPOS_ZIPKIN_PORT', 9411, 'the trace viewer (Zipkin)'],
} as const;

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

export function localSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const port = (key: keyof typeof PORT_VARIABLES): number => {
    const [variable, fallback] = PORT_VARIABLES[key];
    const raw = env[variable];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      throw new ActionableError(
        `${variable}=${raw} is not a port number.`,
        `set ${variable} to a number from 1 to 65535`,
      );
    }
    return value;
  };
  return {
    home: resolve(env.CLOUDPOS_HOME ?? join(repoRoot, '.cloudpos')),
    ports: {
      api: port('api'),
      postgres: port('postgres'),
      nats: port('nats'),
      natsMonitor: port('natsMonitor'),
      redis: port('redis'),
      worker: port('worker'),
      portal: port('portal'),
      mailpit: port('mailpit'),
      mailpitSmtp: port('mailpitSmtp'),
      traceViewer: port('traceViewer'),
    },
    traceViewer: !/^(off|false|0|no)$/i.test(env.CLOUDPOS_TRACE_VIEWER ?? ''),
  };
}

export interface LocalSecrets {
  postgresPassword: string;
  /** The local Redis's default user (added to older files on the next start). */
  redisPassword: string;
}

/** Generated on the first start and kept (mode 0600) next to the data it protects, never printed. */
export async function localSecrets(home: string): Promise<LocalSecrets> {
  const file = join(home, 'secrets.json');
  const generate = () => randomBytes(18).toString('base64url');
  if (existsSync(file)) {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSecrets>;
    if (stored.postgresPassword && stored.redisPassword) return stored as LocalSecrets;
    // A folder from before a secret existed: keep what is there, add what is missing.
    const completed = {
      ...stored,
      postgresPassword: stored.postgresPassword ?? generate(),
      redisPassword: stored.redisPassword ?? generate(),
    };
    const next = `${file}.next`;
    await writeFile(next, `${JSON.stringify(completed, null, 2)}\n`, { mode: 0o600 });
    await rename(next, file);
    return completed;
  }
  await mkdir(home, { recursive: true });
  const secrets: LocalSecrets = { postgresPassword: generate(), redisPassword: generate() };
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return secrets;
}
