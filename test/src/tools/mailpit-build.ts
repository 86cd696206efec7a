// Builds Mailpit with its web UI: the module's sources from the Go module proxy, the UI bundled
// with its own esbuild script from npm packages, then `go build`; the binary is renamed into the
// cache atomically, so a concurrent run never sees half of it.
import { cp, mkdir, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MAILPIT, toolDir } from './catalog.ts';
import { ActionableError } from './errors.ts';
import { execFileAsync, which } from './exec.ts';
import { locateMailpit, mailpitCachePath } from './locate.ts';

export async function ensureMailpit(log: (line: string) => void): Promise<void> {
  if (await locateMailpit().catch(() => undefined)) return;
  const go = await which('go');
  if (!go)
    throw new ActionableError(
      'Mailpit is missing and Go is not installed.',
      'install Go, then run `npm run ensure-tools`',
    );
  const target = mailpitCachePath();
  const staging = `${toolDir('mailpit', MAILPIT.version)}.tmp-${process.pid}`;
  const env = { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  const big = { env, maxBuffer: 64 * 1024 * 1024 };
  log(`building mailpit ${MAILPIT.version} with its web UI (cached in ${dirname(target)})`);
  try {
    const { stdout } = await execFileAsync(
      go,
      ['mod', 'download', '-json', `${MAILPIT.module}@${MAILPIT.version}`],
      big,
    );
    const source = (JSON.parse(stdout) as { Dir: string }).Dir;
    const work = join(staging, 'src');
    await mkdir(staging, { recursive: true });
    await cp(source, work, { recursive: true });
    await execFileAsync('chmod', ['-R', 'u+w', work]);
    const manifestFile = join(work, 'package.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
      dependencies: Record<string, string>;
    };
    Object.assign(manifest.dependencies, MAILPIT.npmOverrides);
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
    await rm(join(work, 'package-lock.json'), { force: true });
    await execFileAsync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], {
      ...big,
      cwd: work,
    });
    await execFileAsync(process.execPath, ['esbuild.config.mjs'], {
      ...big,
      cwd: work,
      env: { ...env, MINIFY: 'true' },
    });
    await execFileAsync(go, ['build', '-trimpath', '-o', join(staging, 'bin', 'mailpit'), '.'], {
      ...big,
      cwd: work,
    });
    await chmod(join(staging, 'bin', 'mailpit'), 0o755);
    await mkdir(dirname(dirname(target)), { recursive: true });
    await rename(join(staging, 'bin'), dirname(target)).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } catch (error) {
    if (error instanceof ActionableError) throw error;
    throw new ActionableError(
      `Building Mailpit failed: ${(error as Error).message.split('\n').slice(-3).join(' ')}`,
      'check that the Go module proxy and the npm registry are reachable, then run `npm run ensure-tools`',
      { cause: error },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
