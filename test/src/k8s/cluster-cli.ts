// `npm run cluster:up` / `npm run cluster:down` / `npm run kubectl -- <args>`: the test control
// plane for local use. `up` starts it in the background (a detached daemon, see cluster-daemon.ts)
// and prints the kubeconfig; state and etcd data live in .cloudpos/cluster and survive a restart.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../tools/catalog.ts';
import { ActionableError, reportFatal } from '../tools/errors.ts';
import { ensureTools } from '../tools/ensure-tools.ts';

export interface ClusterState {
  pid: number;
  kubeconfig: string;
  server: string;
  kubectl: string;
  readyAfterMs: number;
}

export function clusterDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.CLOUDPOS_HOME ?? join(repoRoot, '.cloudpos')), 'cluster');
}

const stateFile = (dir: string) => join(dir, 'state.json');

async function readState(dir: string): Promise<ClusterState | undefined> {
  if (!existsSync(stateFile(dir))) return undefined;
  const state = JSON.parse(await readFile(stateFile(dir), 'utf8')) as ClusterState;
  return isAlive(state.pid) ? state : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function describe(state: ClusterState): string {
  return [
    `Kubernetes control plane is running (API server ${state.server}).`,
    `  export KUBECONFIG=${state.kubeconfig}`,
    `  kubectl get nodes       (kubectl: ${state.kubectl}, or: npm run kubectl -- get nodes)`,
    '  npm run cluster:down    stops it',
  ].join('\n');
}

async function up(): Promise<void> {
  const dir = clusterDir();
  const running = await readState(dir);
  if (running) {
    process.stdout.write(`${describe(running)}\n`);
    return;
  }
  await ensureTools((line) => process.stdout.write(`ensure-tools: ${line}\n`), { kubernetes: true });
  await mkdir(dir, { recursive: true });
  await rm(stateFile(dir), { force: true });
  const log = join(dir, 'daemon.log');
  const daemon = spawn(
    process.execPath,
    [fileURLToPath(new URL('./cluster-daemon.ts', import.meta.url)), dir],
    {
      detached: true,
      stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
    },
  );
  daemon.unref();
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const state = await readState(dir);
    if (state) {
      process.stdout.write(`Started in ${(state.readyAfterMs / 1000).toFixed(1)}s.\n${describe(state)}\n`);
      return;
    }
    if (daemon.exitCode !== null || !isAlive(daemon.pid!)) {
      const tail = (await readFile(log, 'utf8')).trimEnd().split('\n').slice(-15).join('\n');
      throw new ActionableError(
        `The control plane failed to start:\n${tail}`,
        `see ${log} and the component logs in ${dir}`,
      );
    }
    await sleep(250);
  }
  throw new ActionableError('The control plane did not become ready within 3 minutes.', `see ${log}`);
}

async function down(): Promise<void> {
  const dir = clusterDir();
  const state = await readState(dir);
  if (!state) {
    process.stdout.write('The control plane is not running.\n');
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (isAlive(state.pid)) {
    if (Date.now() > deadline)
      throw new ActionableError(
        `The control plane (pid ${state.pid}) did not stop.`,
        `kill it: kill ${state.pid}`,
      );
    await sleep(200);
  }
  process.stdout.write('The control plane stopped (its data stays in .cloudpos/cluster).\n');
}

async function kubectl(args: string[]): Promise<void> {
  const state = await readState(clusterDir());
  if (!state)
    throw new ActionableError('The control plane is not running.', 'start it with `npm run cluster:up`');
  const child = spawn(state.kubectl, args, {
    stdio: 'inherit',
    env: { ...process.env, KUBECONFIG: state.kubeconfig },
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exitCode = code ?? 1;
}

if (import.meta.main) {
  const [command, ...rest] = process.argv.slice(2);
  try {
    if (command === 'up') await up();
    else if (command === 'down') await down();
    else if (command === 'kubectl') await kubectl(rest);
    else throw new ActionableError(`unknown command "${command ?? ''}"`, 'use: up | down | kubectl <args>');
  } catch (error) {
    reportFatal(error);
  }
}
