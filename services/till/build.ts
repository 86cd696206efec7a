// Builds the till with Vite when its sources changed since the last build (a content hash of the
// sources, stored beside the output), so `npm start` and the browser tests stay fast when nothing
// changed. `node build.ts --force` always builds.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export const TILL_ROOT = import.meta.dirname;
export const TILL_DIST = join(TILL_ROOT, 'dist');
const STAMP = join(TILL_DIST, '.source-hash');
// The pricing engine and the receipt renderers are bundled into the till: their sources count too.
const SOURCES = [
  join(TILL_ROOT, 'src'),
  join(TILL_ROOT, 'public'),
  join(TILL_ROOT, 'index.html'),
  join(TILL_ROOT, 'vite.config.ts'),
  join(TILL_ROOT, 'package.json'),
  join(TILL_ROOT, '..', 'pricing', 'src'),
  join(TILL_ROOT, '..', 'receipts', 'src'),
];

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => null);
  if (entries === null) return [path];
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.test.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

export async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await Promise.all(SOURCES.map(filesUnder))).flat().sort();
  for (const file of files) {
    hash.update(relative(TILL_ROOT, file));
    hash.update(await readFile(file).catch(() => Buffer.alloc(0)));
  }
  return hash.digest('hex');
}

/** Builds the till into dist/ unless its sources are unchanged; says whether it built. */
export async function buildTill(options: { force?: boolean } = {}): Promise<{ built: boolean; dir: string }> {
  const hash = await sourceHash();
  const previous = await readFile(STAMP, 'utf8').catch(() => '');
  if (!options.force && previous === hash) return { built: false, dir: TILL_DIST };
  const { build } = await import('vite');
  await build({ configFile: join(TILL_ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  await writeFile(STAMP, hash);
  return { built: true, dir: TILL_DIST };
}

if (import.meta.main) {
  const { built, dir } = await buildTill({ force: process.argv.includes('--force') });
  console.log(built ? `till built into ${dir}` : `till unchanged in ${dir}`);
}
