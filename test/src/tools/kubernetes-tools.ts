// The Kubernetes control plane and its helpers, built from the Go module proxy into versioned cache
// folders: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes
// (through the wrapper module in test/k8s-tools/kubernetes), etcd (wrapper in test/k8s-tools/etcd),
// and kwok, helm, kind and promtool (checks the chart's alert rules) with plain `go install`; plus
// files read from Go modules: kwok's stages, the Prometheus Operator's CRDs (the chart's
// ServiceMonitor and PrometheusRule need their API) and CloudNativePG's Cluster CRD.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionableError } from './errors.ts';
import { repoRoot, toolDir } from './catalog.ts';
import { execFileAsync, isExecutable, which } from './exec.ts';

export const KUBERNETES_VERSION = 'v1.37.2';
export const ETCD_VERSION = 'v3.6.16';

interface GoTool {
  name: KubernetesToolName;
  version: string;
  /** How to build it: inside one of our wrapper modules, or `go install <module>@<version>`. */
  build: { kind: 'wrapper'; dir: string; pkg: string } | { kind: 'install'; module: string };
  ldflags: string[];
}

export type KubernetesToolName =
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'etcd'
  | 'kwok'
  | 'helm'
  | 'kind'
  | 'promtool';

const k8sDir = join(repoRoot, 'test', 'k8s-tools', 'kubernetes');
const [, minor] = KUBERNETES_VERSION.slice(1).split('.');
const k8sVersionFlags = [
  `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
  '-X k8s.io/component-base/version.gitMajor=1',
  `-X k8s.io/component-base/version.gitMinor=${minor}`,
  '-X k8s.io/component-base/version.gitTreeState=clean',
];
const helm = 'helm.sh/helm/v3';

export const KUBERNETES_TOOLS: GoTool[] = [
  ...(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const).map(
    (name): GoTool => ({
      name,
      version: KUBERNETES_VERSION,
      build: { kind: 'wrapper', dir: k8sDir, pkg: `k8s.io/kubernetes/cmd/${name}` },
      ldflags: k8sVersionFlags,
    }),
  ),
  {
    name: 'etcd',
    version: ETCD_VERSION,
    build: { kind: 'wrapper', dir: join(repoRoot, 'test', 'k8s-tools', 'etcd'), pkg: '.' },
    ldflags: [`-X go.etcd.io/etcd/api/v3/version.GitSHA=${ETCD_VERSION}`],
  },
  {
    name: 'kwok',
    version: 'v0.8.0',
    build: { kind: 'install', module: 'sigs.k8s.io/kwok/cmd/kwok' },
    ldflags: [],
  },
  {
    name: 'helm',
    version: 'v3.22.0',
    build: { kind: 'install', module: `${helm}/cmd/helm` },
    ldflags: [
      `-X ${helm}/internal/version.version=v3.22.0`,
      `-X ${helm}/internal/version.gitTreeState=clean`,
      `-X ${helm}/pkg/lint/rules.k8sVersionMajor=1`,
      `-X ${helm}/pkg/lint/rules.k8sVersionMinor=${minor}`,
      `-X ${helm}/pkg/chartutil.k8sVersionMajor=1`,
      `-X ${helm}/pkg/chartutil.k8sVersionMinor=${minor}`,
    ],
  },
  { name: 'kind', version: 'v0.33.0', build: { kind: 'install', module: 'sigs.k8s.io/kind' }, ldflags: [] },
  {
    // Prometheus 3.16.0 (its Go module is versioned v0.316.0): `promtool check rules` and
    // `promtool test rules` on the chart's PrometheusRule. No replace lines; about 10 minutes cold
    // on 2 busy cores (its service discovery pulls in the cloud SDKs).
    name: 'promtool',
    version: 'v0.316.0',
    build: { kind: 'install', module: 'github.com/prometheus/prometheus/cmd/promtool' },
    ldflags: ['-X github.com/prometheus/common/version.Version=3.16.0'],
  },
];

export function kubernetesToolPath(tool: GoTool): string {
  return join(toolDir(tool.name, tool.version), tool.name);
}

export type KubernetesTools = Record<KubernetesToolName, string> & {
  kwokStages: string;
  /** The Prometheus Operator's CRDs for ServiceMonitor and PrometheusRule, one multi-document file. */
  monitoringCrds: string;
  /** CloudNativePG's Cluster CRD (the chart's production PostgreSQL). */
  cnpgCrds: string;
};

/**
 * The CRDs are fetched, not committed: the module proxy serves the release's own files (checksummed
 * by go.sum's database), as ensure-tools does for kwok's stages, and nothing else in the repository
 * is a copy of a third party's CRD. Only the two kinds the chart creates; the rest (Prometheus,
 * Alertmanager...) would only lengthen the test API server's discovery.
 */
export const PROMETHEUS_OPERATOR = {
  module: 'github.com/prometheus-operator/prometheus-operator',
  version: 'v0.85.0',
  crdFiles: [
    'monitoring.coreos.com_servicemonitors.yaml',
    'monitoring.coreos.com_podmonitors.yaml',
    'monitoring.coreos.com_prometheusrules.yaml',
  ],
} as const;

/**
 * CloudNativePG's Cluster CRD, the same way: the chart's production path creates a `Cluster` for
 * the tenants' PostgreSQL (ADR 0022), and the test API server validates it with the release's own
 * schema. v1.30.1 is the newest the module proxy serves here; only the kind the chart creates.
 */
export const CLOUDNATIVE_PG = {
  module: 'github.com/cloudnative-pg/cloudnative-pg',
  version: 'v1.30.1',
  folder: join('config', 'crd', 'bases'),
  crdFiles: ['postgresql.cnpg.io_clusters.yaml'],
} as const;

const KWOK_STAGE_FILES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

function kwokTool(): GoTool {
  return KUBERNETES_TOOLS.find((tool) => tool.name === 'kwok')!;
}

/** kwok simulates nothing without Stage rules; its own "fast" node and pod stages, from its module. */
export function kwokStagesPath(): string {
  return join(toolDir('kwok', kwokTool().version), 'stages.yaml');
}

export function monitoringCrdsPath(): string {
  // Named by how many kinds it holds: a cache made before a kind was added is fetched again.
  return join(
    toolDir('prometheus-operator-crds', PROMETHEUS_OPERATOR.version),
    `monitoring-crds-${PROMETHEUS_OPERATOR.crdFiles.length}.yaml`,
  );
}

export function cnpgCrdsPath(): string {
  return join(toolDir('cloudnative-pg-crds', CLOUDNATIVE_PG.version), 'cnpg-crds.yaml');
}

/** The folder `go mod download` unpacks a module into (in GOMODCACHE). */
async function downloadModule(go: string, module: string, version: string, cwd: string): Promise<string> {
  await mkdir(cwd, { recursive: true });
  const { stdout } = await execFileAsync(go, ['mod', 'download', '-json', `${module}@${version}`], {
    env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' },
    cwd,
  });
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

/** Joins YAML documents into one file, written whole or not at all (a rename). */
async function writeDocuments(target: string, documents: string[], header = ''): Promise<void> {
  const staging = `${target}.tmp-${process.pid}`;
  const body = documents.map((doc) => doc.replace(/^---\n/, '').trim()).join('\n---\n');
  await writeFile(staging, `${header}${body}\n`);
  await rename(staging, target);
}

async function ensureKwokStages(go: string): Promise<void> {
  if (existsSync(kwokStagesPath())) return;
  const { version } = kwokTool();
  const moduleDir = await downloadModule(go, 'sigs.k8s.io/kwok', version, join(kwokStagesPath(), '..'));
  const documents = await Promise.all(
    KWOK_STAGE_FILES.map((file) => readFile(join(moduleDir, 'kustomize', 'stage', file), 'utf8')),
  );
  await writeDocuments(kwokStagesPath(), documents);
}

/** A release's own CRD files, read from its Go module into one multi-document file. */
async function ensureModuleCrds(
  go: string,
  log: (line: string) => void,
  what: string,
  source: { module: string; version: string; folder: string; crdFiles: readonly string[] },
  target: string,
): Promise<void> {
  if (existsSync(target)) return;
  const { module, version, folder, crdFiles } = source;
  log(`fetching ${what} from ${module}@${version}`);
  try {
    const moduleDir = await downloadModule(go, module, version, join(target, '..'));
    const documents = await Promise.all(
      crdFiles.map((file) => readFile(join(moduleDir, folder, file), 'utf8')),
    );
    const header = `# ${crdFiles.join(', ')} from ${module}@${version} (${folder}), by ensure-tools.\n`;
    await writeDocuments(target, documents, header);
  } catch (error) {
    throw new ActionableError(
      `Fetching ${what} (${module}@${version}) failed: ${(error as Error).message}`,
      'check that the Go module proxy is reachable (go env GOPROXY), then run `npm run ensure-tools` again',
      { cause: error },
    );
  }
}

const ensureMonitoringCrds = (go: string, log: (line: string) => void) =>
  ensureModuleCrds(
    go,
    log,
    "the Prometheus Operator's CRDs",
    { ...PROMETHEUS_OPERATOR, folder: join('example', 'prometheus-operator-crd') },
    monitoringCrdsPath(),
  );

const ensureCnpgCrds = (go: string, log: (line: string) => void) =>
  ensureModuleCrds(go, log, "CloudNativePG's Cluster CRD", CLOUDNATIVE_PG, cnpgCrdsPath());

/** Paths of every built tool, or an error that says how to build them. */
export async function locateKubernetesTools(): Promise<KubernetesTools> {
  const found: Partial<KubernetesTools> = {};
  const missing: string[] = [];
  for (const tool of KUBERNETES_TOOLS) {
    const path = kubernetesToolPath(tool);
    if (await isExecutable(path)) found[tool.name] = path;
    else missing.push(`${tool.name} ${tool.version}`);
  }
  if (!existsSync(kwokStagesPath())) missing.push('kwok stages');
  if (!existsSync(monitoringCrdsPath()))
    missing.push(`Prometheus Operator CRDs ${PROMETHEUS_OPERATOR.version}`);
  if (!existsSync(cnpgCrdsPath())) missing.push(`CloudNativePG CRDs ${CLOUDNATIVE_PG.version}`);
  if (missing.length > 0) {
    throw new ActionableError(
      `Kubernetes tools are not built yet: ${missing.join(', ')}.`,
      'run `npm run ensure-tools` (a cold build takes about 10 minutes on 2 cores; it is cached afterwards)',
    );
  }
  return {
    ...(found as Record<KubernetesToolName, string>),
    kwokStages: kwokStagesPath(),
    monitoringCrds: monitoringCrdsPath(),
    cnpgCrds: cnpgCrdsPath(),
  };
}

/** Builds whatever is missing, one binary at a time (each k8s link needs about 2.5 GB of memory). */
export async function buildKubernetesTools(log: (line: string) => void): Promise<void> {
  const go = await which('go');
  for (const tool of KUBERNETES_TOOLS) {
    const target = kubernetesToolPath(tool);
    if (await isExecutable(target)) continue;
    if (!go) {
      throw new ActionableError(
        `Go is needed to build ${tool.name} ${tool.version} and is not installed.`,
        'install Go 1.26 or newer (https://go.dev/dl or your package manager), then run `npm run ensure-tools`',
      );
    }
    const started = performance.now();
    log(`building ${tool.name} ${tool.version} from the Go module proxy`);
    const staging = `${target}.tmp-${process.pid}`;
    await mkdir(join(target, '..'), { recursive: true });
    const ldflags = ['-s', '-w', ...tool.ldflags].join(' ');
    const env = {
      ...process.env,
      CGO_ENABLED: '0',
      GOWORK: 'off',
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-buildvcs=false',
    };
    try {
      if (tool.build.kind === 'wrapper') {
        await execFileAsync(go, ['build', '-trimpath', '-ldflags', ldflags, '-o', staging, tool.build.pkg], {
          cwd: tool.build.dir,
          env,
          maxBuffer: 64 * 1024 * 1024,
        });
      } else {
        const gobin = `${staging}.d`;
        await execFileAsync(
          go,
          ['install', '-trimpath', '-ldflags', ldflags, `${tool.build.module}@${tool.version}`],
          { env: { ...env, GOBIN: gobin }, cwd: join(target, '..'), maxBuffer: 64 * 1024 * 1024 },
        );
        await rename(join(gobin, tool.name), staging);
        await rm(gobin, { recursive: true, force: true });
      }
      await rename(staging, target);
    } catch (error) {
      await rm(staging, { force: true });
      const stderr = ((error as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
      throw new ActionableError(
        `Building ${tool.name} ${tool.version} failed:\n${stderr || (error as Error).message}`,
        'check that the Go module proxy is reachable (go env GOPROXY) and Go is 1.26 or newer, then run `npm run ensure-tools` again',
        { cause: error },
      );
    }
    log(`built ${tool.name} in ${((performance.now() - started) / 1000).toFixed(0)}s`);
  }
  if (!go) {
    if (existsSync(kwokStagesPath()) && existsSync(monitoringCrdsPath()) && existsSync(cnpgCrdsPath()))
      return;
    throw new ActionableError(
      "Go is needed to fetch kwok's stages and the Prometheus Operator's and CloudNativePG's CRDs from the Go module proxy.",
      'install Go 1.26 or newer (https://go.dev/dl or your package manager), then run `npm run ensure-tools`',
    );
  }
  await ensureKwokStages(go);
  await ensureMonitoringCrds(go, log);
  await ensureCnpgCrds(go, log);
}
