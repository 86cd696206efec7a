// `go install module@version` from the Go module proxy into the tool cache: built in a staging
// folder and renamed into place, so a concurrent run never sees half a binary.
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toolDir } from './catalog.ts';
import { execFileAsync } from './exec.ts';

export async function goInstall(
  go: string,
  tool: { name: string; module: string; version: string },
  /** The binary's path in the cache (its folder is what gets renamed into place). */
  target: string,
): Promise<void> {
  const staging = `${toolDir(tool.name, tool.version)}.tmp-${process.pid}`;
  try {
    await mkdir(staging, { recursive: true });
    await execFileAsync(go, ['install', '-trimpath', `${tool.module}@${tool.version}`], {
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
