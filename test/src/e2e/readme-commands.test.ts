// The README's commands, typed as a newcomer would, as processes: `npm run cluster:up` gives a bare
// control plane (no namespace of ours), `npm run operator` reconciles the example Tenant to Ready and
// deletes it by its policy (BackupThenDelete) on the default engine; `npm run tenant` does the same
// without a cluster. Nothing is prepared by hand: what these commands need, they must do themselves.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../infra/eventually.ts';
import { freePort } from '../infra/process.ts';
import { repoRoot } from '../tools/catalog.ts';
import { execFileAsync } from '../tools/exec.ts';
import { locatePgClientTools } from '../tools/locate.ts';

interface Run {
  code: number | null;
  output: string;
}

let home: string;
let env: NodeJS.ProcessEnv;
/** `npm run operator`'s process group while it runs, so a failing test never leaves it behind. */
let operatorGroup: number | undefined;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cloudpos-readme-'));
  await chmod(home, 0o755); // PostgreSQL runs as the postgres user when we are root
  env = {
    ...process.env,
    CLOUDPOS_HOME: home,
    // Free ports, so a developer's own `npm start` or cluster is never touched.
    CLOUDPOS_PG_PORT: String(await freePort()),
    CLOUDPOS_NATS_PORT: String(await freePort()),
    CLOUDPOS_NATS_MONITOR_PORT: String(await freePort()),
    CLOUDPOS_REDIS_PORT: String(await freePort()),
    CLOUDPOS_API_PORT: String(await freePort()),
    CLOUDPOS_WORKER_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    // As the README says: `export KUBECONFIG=.cloudpos/cluster/admin.kubeconfig`.
    KUBECONFIG: join(home, 'cluster', 'admin.kubeconfig'),
  };
  // The commands must find pg_dump themselves, not inherit it from the harness.
  delete env.PG_DUMP;
  delete env.PG_RESTORE;
  for (const name of [
    'LEASE_NAMESPACE',
    'TENANT_LABEL_SELECTOR',
    'DATABASE_URL',
    'NATS_URL',
    'OPERATOR_CONFIG',
    'REDIS_ADMIN_URL',
  ])
    delete env[name];
});

afterAll(async () => {
  if (operatorGroup) process.kill(-operatorGroup, 'SIGKILL');
  await npm(['run', 'cluster:down']).catch(() => {});
  await rm(home, { recursive: true, force: true });
});

/** `npm <args>` in the repository, to completion. */
async function npm(args: string[]): Promise<Run> {
  const child = spawn('npm', args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** `kubectl get tenant corner-cafe -o <output>`, through the README's `npm run kubectl`. */
const cornerCafe = (output: string) =>
  npm(['run', '--silent', 'kubectl', '--', 'get', 'tenant', 'corner-cafe', '-o', output]);

async function succeeds(args: string[]): Promise<string> {
  const run = await npm(args);
  expect(run.code, `npm ${args.join(' ')}:\n${run.output}`).toBe(0);
  return run.output;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const backups = async () =>
  existsSync(join(home, 'backups'))
    ? (await readdir(join(home, 'backups'))).filter((file) => file.endsWith('.dump'))
    : [];

/** The tables pg_restore --list finds in a dump: proof the backup is a real, readable archive. */
async function tablesIn(file: string): Promise<string[]> {
  const { pgRestore } = await locatePgClientTools();
  const { stdout } = await execFileAsync(pgRestore, ['--list', file]);
  return [...stdout.matchAll(/TABLE tenant_corner_cafe (\w+) /g)].map((match) => match[1]!);
}

describe("the README's commands", () => {
  it('cluster:up, apply the CRD, npm run operator, apply and delete corner-cafe: Ready, then backed up and gone', async () => {
    await succeeds(['run', 'cluster:up']);
    await succeeds(['run', 'kubectl', '--', 'apply', '-f', 'crds/']);

    // `npm run operator` runs until Ctrl-C: its own process group, as in a terminal.
    const operator = spawn('npm', ['run', 'operator'], {
      cwd: repoRoot,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    operator.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    operator.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    operatorGroup = operator.pid;
    const exited = once(operator, 'exit');
    try {
      await succeeds(['run', 'kubectl', '--', 'apply', '-f', 'tenants/corner-cafe.yaml']);
      await eventually(
        'corner-cafe to be Ready',
        async () => {
          const phase = await cornerCafe('jsonpath={.status.phase}');
          return phase.output === 'Ready' ? true : undefined;
        },
        120_000,
        1000,
      ).catch(async (error: unknown) => {
        const conditions = await cornerCafe('jsonpath={.status.conditions}');
        throw new Error(
          `${(error as Error).message}\nconditions: ${conditions.output}\nnpm run operator said:\n${output.slice(-4000)}`,
        );
      });
      // Leader election says what it does, with the Lease it does it on.
      expect(output).toContain('became leader');
      expect(output).toContain('cloudpos-system/cloudpos-operator');

      // corner-cafe's policy is BackupThenDelete: the dump is made, verified, and the data dropped.
      const deleted = await npm([
        'run',
        'kubectl',
        '--',
        'delete',
        '-f',
        'tenants/corner-cafe.yaml',
        '--timeout=90s',
      ]);
      const condition = await cornerCafe('yaml');
      expect(deleted.code, `${deleted.output}\n${condition.output}\nnpm run operator said:\n${output}`).toBe(
        0,
      );
      const [dump] = await backups();
      expect(dump).toMatch(/^tenant_corner_cafe-.*\.dump$/);
      expect(await tablesIn(join(home, 'backups', dump!))).toContain('store');
    } finally {
      // Ctrl-C: the whole group, as a terminal sends it.
      process.kill(-operator.pid!, 'SIGINT');
      await exited;
      operatorGroup = undefined;
    }
    // npm itself dies of the SIGINT, as in a terminal; the operator and its launcher stop in order.
    expect(output).toContain('"msg":"stopped"');
    expect(await answers(Number(env.CLOUDPOS_PG_PORT))).toBe(false);
    await succeeds(['run', 'cluster:down']);
  }, 360_000);

  it('npm run tenant -- apply -f, list and delete corner-cafe without a cluster: backed up and gone', async () => {
    const applied = await succeeds(['run', 'tenant', '--', 'apply', '-f', 'tenants/corner-cafe.yaml']);
    expect(applied).toContain('corner-cafe');
    expect(await succeeds(['run', 'tenant', '--', 'list'])).toMatch(/corner-cafe\s+starter\s+Ready/);

    const before = await backups();
    const deleted = await succeeds(['run', 'tenant', '--', 'delete', 'corner-cafe']);
    expect(deleted).toContain('backed up to');
    expect(deleted).toContain('tenant corner-cafe deleted');
    const dump = (await backups()).find((file) => !before.includes(file));
    expect(dump).toBeDefined();
    expect(await tablesIn(join(home, 'backups', dump!))).toContain('store');
    expect(await succeeds(['run', 'tenant', '--', 'list'])).not.toContain('corner-cafe');
  }, 180_000);
});
