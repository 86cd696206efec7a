import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, type ClusterState } from './cluster-cli.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('./cluster-cli.ts', import.meta.url));
const home = await mkdtemp(join(tmpdir(), 'cloudpos-cluster-cli-'));
const env = { ...process.env, CLOUDPOS_HOME: home };

afterAll(async () => {
  await run(process.execPath, [cli, 'down'], { env }).catch(() => {});
  await rm(home, { recursive: true, force: true });
});

describe('npm run cluster:up / cluster:down', () => {
  it('starts the control plane in the background, serves kubectl, and stops without leaving a process', async () => {
    const { stdout } = await run(process.execPath, [cli, 'up'], { env });
    expect(stdout).toContain(`export KUBECONFIG=${join(home, 'cluster', 'admin.kubeconfig')}`);
    const state = JSON.parse(await readFile(join(home, 'cluster', 'state.json'), 'utf8')) as ClusterState;
    expect(isAlive(state.pid)).toBe(true);

    const { stdout: nodes } = await run(process.execPath, [cli, 'kubectl', 'get', 'nodes', '--no-headers'], {
      env,
    });
    expect(nodes).toMatch(/kwok-node-0\s+Ready/);

    const again = await run(process.execPath, [cli, 'up'], { env });
    expect(again.stdout).toContain('is running');

    const { stdout: stopped } = await run(process.execPath, [cli, 'down'], { env });
    expect(stopped).toContain('stopped');
    expect(isAlive(state.pid)).toBe(false);
    expect(existsSync(join(home, 'cluster', 'state.json'))).toBe(false);
    // No component outlives the daemon: each wrote its pid-less log, so check by command line.
    const { stdout: processes } = await run('ps', ['-eo', 'args']);
    expect(processes).not.toContain(join(home, 'cluster'));
  });
});
