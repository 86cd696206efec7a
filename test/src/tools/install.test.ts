// The installer that `npm start` and `npm test` run first, on a package of its own (no
// dependencies, so `npm ci` is quick): a fresh clone installs, an unchanged one does not, a changed
// package-lock.json installs again, and a hand-run `npm ci` counts (the postinstall stamp).
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let repo: string;

/** Runs the installer the way package.json does; returns what it printed. */
async function install(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('node', ['test/src/tools/install.mjs', ...args], { cwd: repo });
  return stdout + stderr;
}

const installs = async () =>
  existsSync(join(repo, 'installs')) ? (await readFile(join(repo, 'installs'), 'utf8')).length : 0;

async function writeLock(version: string) {
  const lock = {
    name: 'clone',
    version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'clone', version } },
  };
  await writeFile(join(repo, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await writeFile(
    join(repo, 'package.json'),
    JSON.stringify({
      name: 'clone',
      version,
      private: true,
      // The stamp as in the real package.json, and a tally of the installs npm really ran.
      scripts: {
        postinstall: `node test/src/tools/install.mjs --stamp && node -e "require('fs').appendFileSync('installs', 'x')"`,
      },
    }),
  );
}

beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'cloudpos-install-'));
  await mkdir(join(repo, 'test/src/tools'), { recursive: true });
  await copyFile(join(import.meta.dirname, 'install.mjs'), join(repo, 'test/src/tools/install.mjs'));
  await writeLock('1.0.0');
});

afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('install before start and test', () => {
  it('runs npm ci on a fresh clone, and records what it installed', async () => {
    expect(existsSync(join(repo, 'node_modules'))).toBe(false);
    expect(await install()).toContain('no packages installed yet');
    const stamp = await readFile(join(repo, 'node_modules/.cloudpos-install'), 'utf8');
    expect(stamp.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(await installs()).toBe(1);
  });

  it('does nothing when the packages match package-lock.json', async () => {
    expect(await install()).toBe('');
    expect(await installs()).toBe(1);
  });

  it('installs again when package-lock.json changed', async () => {
    await writeLock('1.0.1');
    expect(await install()).toContain('package-lock.json changed');
    expect(await install()).toBe('');
    expect(await installs()).toBe(2);
  });

  it('counts an npm ci run by hand (the postinstall stamp)', async () => {
    await writeLock('1.0.2');
    await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: repo });
    expect(await install()).toBe('');
    expect(await installs()).toBe(3);
  });
});
