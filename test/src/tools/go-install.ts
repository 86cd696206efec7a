// `go install <module>@<version>` into the versioned tool cache: built in a private folder and
// renamed into place, so a concurrent ensure-tools never sees a half-written binary.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execFileAsync } from './exec.ts';

/** Builds `module@version`; the binary ends up at `target` (its folder is the cache entry). */
export async function goInstallCached(go: string, moduleAtVersion: string, target: string): Promise<void> {
  const staging = `${dirname(target)}.tmp-${process.pid}`;
  try {
    await mkdir(staging, { recursive: true });
    await execFileAsync(go, ['install', '-trimpath', moduleAtVersion], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-mod=mod' },
      maxBuffer: 16 * 1024 * 1024,
    });
    await mkdir(dirname(dirname(target)), { recursive: true });
    await rename(staging, dirname(target)).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
