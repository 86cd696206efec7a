// The production build (`react-router build`) for tests and `npm start`, made only when the sources
// changed, and never by two processes at once: test projects run in parallel with `npm start`'s
// own test, and a build empties build/ while it writes, which a running portal would notice.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

export const PORTAL_DIR = join(import.meta.dirname, '..');
const BUILD_DIR = join(PORTAL_DIR, 'build');
const STAMP = join(BUILD_DIR, '.source-hash');
const LOCK = join(PORTAL_DIR, '.build-lock');
const INPUTS = ['app', 'public', 'react-router.config.ts', 'vite.config.ts', 'package.json'];

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) await visit(join(path, entry));
      return;
    }
    hash.update(path.slice(PORTAL_DIR.length)).update(await readFile(path));
  };
  for (const input of INPUTS) await visit(join(PORTAL_DIR, input));
  return hash.digest('hex');
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than any build is left over from a killed process.
      const age = Date.now() - (await stat(LOCK).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 120_000) await rm(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(`the portal build lock ${LOCK} is held for too long`, { cause: error });
      else await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** Builds the portal unless build/ already holds the build of these sources. */
export async function buildPortal(): Promise<'built' | 'fresh'> {
  return withLock(async () => {
    const hash = await sourceHash();
    if ((await readFile(STAMP, 'utf8').catch(() => '')) === hash) return 'fresh';
    const bin = join(
      createRequire(import.meta.url).resolve('@react-router/dev/package.json'),
      '..',
      'bin.cjs',
    );
    await promisify(execFile)(process.execPath, [bin, 'build'], {
      cwd: PORTAL_DIR,
      maxBuffer: 16 * 1024 * 1024,
    });
    await writeFile(STAMP, hash);
    return 'built';
  });
}
