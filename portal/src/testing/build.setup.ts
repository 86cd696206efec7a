// vitest global setup: the portal's production build (react-router build, about 2 s), so tests
// serve exactly what a pod serves.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

export default async function setup() {
  const bin = join(createRequire(import.meta.url).resolve('@react-router/dev/package.json'), '..', 'bin.cjs');
  await promisify(execFile)(process.execPath, [bin, 'build'], {
    cwd: join(import.meta.dirname, '..', '..'),
    maxBuffer: 16 * 1024 * 1024,
  });
}
