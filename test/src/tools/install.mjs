// Installs the packages when they are missing or were installed from another package-lock.json,
// so `npm start` and `npm test` work on a fresh clone with nothing run before them. Plain JavaScript
// on purpose: it runs on the machine's own Node (20 is enough) before the pinned Node 24 exists,
// which `npm ci` installs into node_modules/.bin (npm scripts then find it first on PATH). A
// script calls `env node` after it: its shell remembers where it found `node` before the install
// (the machine's Node), `env` looks again.
//
//   node test/src/tools/install.mjs           npm ci when node_modules is missing or stale
//   node test/src/tools/install.mjs --stamp   record that node_modules matches package-lock.json
//                                             (the root package's postinstall, so a hand-run
//                                             `npm ci` or `npm install` counts too)
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const stamp = join(root, 'node_modules', '.cloudpos-install');
const wanted = createHash('sha256')
  .update(readFileSync(join(root, 'package-lock.json')))
  .digest('hex');

function record() {
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${wanted}\n`);
}

if (process.argv.includes('--stamp')) {
  record();
  process.exit(0);
}

const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : undefined;
if (installed === wanted) process.exit(0);

process.stderr.write(
  installed === undefined
    ? 'install: no packages installed yet (or installed before this check existed): npm ci\n'
    : 'install: package-lock.json changed since the packages were installed: npm ci\n',
);
const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
if (npm.status !== 0) {
  process.stderr.write(`install: npm ci failed (exit ${npm.status ?? npm.signal}); nothing else was run\n`);
  process.exit(npm.status ?? 1);
}
// postinstall wrote the stamp; write it again in case scripts were disabled (--ignore-scripts).
record();
