// charts/kind/cluster.yaml through kind's own code: `kind create cluster --config` decodes the file
// strictly, applies defaults and runs kind's config validation before it provisions anything. There
// is no Docker engine here, so a stand-in `docker` on PATH answers the two read-only questions kind
// asks first (`docker info`, `docker ps`) and stops kind at its first provisioning step. Reaching
// that step proves kind accepted the config; nothing beyond it (images, containers, kubeadm) runs.
import type {} from '@cloudpos/harness/vitest/provided';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';

const configPath = resolve(import.meta.dirname, '..', '..', 'charts', 'kind', 'cluster.yaml');
const STOP = 'cloudpos-kind-check: stopped before provisioning';

// Answers like a Docker 28 engine on cgroup v2 for what kind reads; refuses everything else.
const dockerStandIn = `#!/bin/sh
echo "$*" >> "$DOCKER_STAND_IN_LOG"
case "$1" in
  -v) echo "Docker version 28.2.2, build stand-in" ;;
  info) echo '{"CgroupDriver":"systemd","CgroupVersion":"2","MemoryLimit":true,"PidsLimit":true,"CPUShares":true,"SecurityOptions":["name=seccomp,profile=builtin","name=cgroupns"]}' ;;
  ps) ;;
  inspect) ;;
  *) echo "${STOP}" >&2; exit 1 ;;
esac
`;

let dir: string;
let kind: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudpos-kind-'));
  await writeFile(join(dir, 'docker'), dockerStandIn);
  await chmod(join(dir, 'docker'), 0o755);
  // ensure-tools builds kind next to helm: ~/.cache/cloudpos/tools/kind-<version>/kind.
  const tools = dirname(dirname(inject('helmPath')));
  const kindDirs = (await readdir(tools)).filter((name) => name.startsWith('kind-'));
  if (kindDirs.length !== 1)
    throw new Error(`expected one kind build in ${tools}, found ${kindDirs.join(', ')}`);
  kind = join(tools, kindDirs[0]!, 'kind');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface KindRun {
  code: number;
  output: string;
  dockerCalls: string[];
}

async function createCluster(config: string): Promise<KindRun> {
  const log = join(dir, `docker-${Math.random().toString(36).slice(2)}.log`);
  await writeFile(log, '');
  const { code, output } = await new Promise<{ code: number; output: string }>((resolvePromise, reject) => {
    const child = spawn(
      kind,
      ['create', 'cluster', '--config', config, '--kubeconfig', join(dir, 'kubeconfig')],
      {
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH ?? ''}`,
          HOME: dir,
          KIND_EXPERIMENTAL_PROVIDER: 'docker',
          DOCKER_STAND_IN_LOG: log,
        },
      },
    );
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exit) => resolvePromise({ code: exit ?? -1, output: text }));
  });
  const dockerCalls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return { code, output, dockerCalls };
}

async function variant(name: string, edit: (text: string) => string): Promise<string> {
  const text = await readFile(configPath, 'utf8');
  const changed = edit(text);
  expect(changed, `${name}: the edit must change the config`).not.toBe(text);
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, changed);
  return path;
}

interface KindNode {
  role: string;
  image?: string;
  labels?: Record<string, string>;
  extraPortMappings?: { containerPort: number; hostPort: number; protocol?: string }[];
}

describe('charts/kind/cluster.yaml', () => {
  it('has a control-plane labelled ingress-ready with host ports 80 and 443, and workers in two zones', async () => {
    const config = parse(await readFile(configPath, 'utf8')) as { nodes: KindNode[] };
    const [controlPlane, ...workers] = config.nodes;
    expect(controlPlane).toMatchObject({ role: 'control-plane', labels: { 'ingress-ready': 'true' } });
    expect(controlPlane!.extraPortMappings).toEqual([
      { containerPort: 80, hostPort: 80, protocol: 'TCP' },
      { containerPort: 443, hostPort: 443, protocol: 'TCP' },
    ]);
    expect(workers.map((node) => [node.role, node.labels?.['topology.kubernetes.io/zone']])).toEqual([
      ['worker', 'zone-a'],
      ['worker', 'zone-b'],
    ]);
    const images = new Set(config.nodes.map((node) => node.image));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('passes kind v0.33.0 decoding and validation, up to the first provisioning step', async () => {
    const image = (parse(await readFile(configPath, 'utf8')) as { nodes: KindNode[] }).nodes[0]!.image!;
    const run = await createCluster(configPath);
    expect(run.code).toBe(1);
    // kind prints this only after its config validation passed...
    expect(run.output).toContain('Creating cluster "cloudpos" ...');
    // ...looks for the pinned node image, then fails at the stand-in's refusal to create a network.
    expect(run.dockerCalls).toContain(`inspect --type=image ${image}`);
    expect(run.output).toContain('failed to ensure docker network');
    expect(run.output).toContain(STOP);
  });

  it('would be refused by kind for a misspelt field, a bad port or a missing control plane', async () => {
    const misspelt = await createCluster(
      await variant('misspelt', (text) => text.replace('extraPortMappings:', 'extraPortMapping:')),
    );
    expect(misspelt.output).toContain('unable to decode config');
    expect(misspelt.output).toContain('field extraPortMapping not found in type v1alpha4.Node');
    expect(misspelt.dockerCalls).toEqual([]);

    const badPort = await createCluster(
      await variant('bad-port', (text) => text.replace('hostPort: 443', 'hostPort: 70000')),
    );
    expect(badPort.output).toContain('invalid hostPort: invalid port number: 70000');
    expect(badPort.output).not.toContain(STOP);

    const noControlPlane = await createCluster(
      await variant('no-control-plane', (text) => text.replace('role: control-plane', 'role: worker')),
    );
    expect(noControlPlane.output).toContain('must have at least one control-plane node');
    expect(noControlPlane.output).not.toContain(STOP);
  });
});
