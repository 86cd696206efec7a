// The local trace viewer's server: Zipkin's exec jar from Maven Central, copied by Maven into a
// private folder and renamed into the tool cache, so a concurrent run never sees half a jar.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ZIPKIN } from './catalog.ts';
import { ActionableError } from './errors.ts';
import { execFileAsync, which } from './exec.ts';
import { locateZipkin, zipkinJarPath } from './locate.ts';

type Log = (line: string) => void;
type InstallDebian = (packages: string[], what: string) => Promise<void>;

export async function ensureZipkin(log: Log, installDebian: InstallDebian): Promise<void> {
  if (await locateZipkin().catch(() => undefined)) return;
  if (!(await which('java'))) await installDebian([ZIPKIN.debianPackages.java], 'Java (for Zipkin)');
  const jar = zipkinJarPath();
  if (await locateZipkin().catch(() => undefined)) return;
  if (!(await which('mvn'))) await installDebian([ZIPKIN.debianPackages.mvn], 'Maven (to fetch Zipkin)');
  const staging = `${dirname(jar)}.tmp-${process.pid}`;
  log(`downloading Zipkin ${ZIPKIN.version} (the trace viewer) with Maven (cached in ${dirname(jar)})`);
  try {
    await mkdir(staging, { recursive: true });
    await execFileAsync(
      'mvn',
      ['-q', '-B', 'dependency:copy', `-Dartifact=${ZIPKIN.artifact}`, `-DoutputDirectory=${staging}`],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    await mkdir(dirname(dirname(jar)), { recursive: true });
    await rename(staging, dirname(jar)).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } catch (error) {
    const output = (error as { stdout?: string; stderr?: string }).stdout ?? (error as Error).message;
    throw new ActionableError(
      `Downloading Zipkin with Maven failed: ${output.trim().split('\n').slice(-2).join(' ')}`,
      `check that Maven Central is reachable (mvn dependency:copy -Dartifact=${ZIPKIN.artifact}), then run \`npm run ensure-tools\``,
      { cause: error },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!(await locateZipkin().catch(() => undefined)))
    throw new ActionableError(
      `Maven left no jar in ${join(dirname(jar))}.`,
      'run `npm run ensure-tools` again',
    );
}
