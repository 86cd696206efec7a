// A real Kubernetes control plane on this machine, the way controller-runtime's envtest does it,
// plus the parts that make it feel like a cluster: etcd, kube-apiserver (RBAC, admission plugins,
// service-account tokens), kube-controller-manager (garbage collector, namespace lifecycle,
// deployments, service accounts and tokens), kube-scheduler, and kwok with fake nodes on which
// scheduled Pods become Ready. Every binary is built from the Go module proxy (ensure-tools).
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { locateKubernetesTools, type KubernetesTools } from '../tools/kubernetes-tools.ts';
import { ManagedProcess, freePort } from '../infra/process.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { Pki } from './pki.ts';

export interface ControlPlaneOptions {
  /** Working folder: PKI, etcd data, kubeconfigs and one log file per component. */
  dir: string;
  /** Fake nodes to register through kwok. */
  nodes?: number;
  /** Fixed API server port (local use); a free port otherwise. */
  apiPort?: number;
  /** What each fake node offers: a kubelet's 110 pods and a large machine, unless a benchmark needs more. */
  nodeCapacity?: { cpu: string; memory: string; pods: number };
  /** Writes an audit log (JSON lines, `<dir>/audit.log`) of every request these users make. */
  auditUsers?: string[];
}

export interface ControlPlane {
  server: string;
  /** kubeconfig of a cluster admin (system:masters). */
  kubeconfigPath: string;
  tools: KubernetesTools;
  /** A kubeconfig for any user and groups, authenticated by a client certificate from the cluster CA. */
  kubeconfigFor(user: string, groups?: string[]): Promise<string>;
  processes: ManagedProcess[];
  stop(): Promise<void>;
}

const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const tools = await locateKubernetesTools();
  const dir = options.dir;
  const pkiDir = join(dir, 'pki');
  await mkdir(pkiDir, { recursive: true });
  const pki = new Pki(pkiDir);
  await pki.ensureCa();
  const serving = await pki.serving('kube-apiserver', [
    'IP:127.0.0.1',
    'IP:10.0.0.1',
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ]);
  const saKeys = await pki.serviceAccountKeys();
  const auditFlags = options.auditUsers?.length
    ? [
        `--audit-policy-file=${await writeAuditPolicy(dir, options.auditUsers)}`,
        `--audit-log-path=${join(dir, 'audit.log')}`,
        '--audit-log-format=json',
        '--audit-log-maxsize=0',
      ]
    : [];

  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const process of [...processes].reverse()) await process.stop('SIGTERM', 10_000);
  };
  try {
    // etcd
    const etcdPort = await freePort();
    const etcdPeerPort = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcd = new ManagedProcess({
      name: 'etcd',
      command: tools.etcd,
      args: [
        '--name=cloudpos',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=cloudpos=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      logFile: join(dir, 'etcd.log'),
    });
    processes.push(etcd);
    await etcd.waitUntilReady(async () => (await fetch(`${etcdUrl}/health`)).ok);

    // kube-apiserver
    const apiPort = options.apiPort ?? (await freePort());
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = new ManagedProcess({
      name: 'kube-apiserver',
      command: tools['kube-apiserver'],
      args: [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${serving.cert}`,
        `--tls-private-key-file=${serving.key}`,
        `--client-ca-file=${pki.ca.cert}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${saKeys.publicKey}`,
        `--service-account-signing-key-file=${saKeys.privateKey}`,
        '--authorization-mode=RBAC',
        // The default admission chain, spelled out so it is visible what guards the API.
        '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,DefaultTolerationSeconds,ResourceQuota,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy',
        // Room for a Service per tenant at benchmark scale (a /24 ran out at 254).
        '--service-cluster-ip-range=10.0.0.0/16',
        // The default reconciler refuses a loopback advertise address.
        '--endpoint-reconciler-type=none',
        '--allow-privileged=true',
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        ...auditFlags,
      ],
      logFile: join(dir, 'kube-apiserver.log'),
    });
    processes.push(apiserver);

    const admin = await pki.client('admin', 'cloudpos-admin', ['system:masters']);
    const kubeconfigPath = await writeKubeconfig(join(dir, 'admin.kubeconfig'), {
      server,
      caFile: pki.ca.cert,
      user: 'cloudpos-admin',
      certFile: admin.cert,
      keyFile: admin.key,
    });
    const tls = {
      ca: readFileSync(pki.ca.cert),
      cert: readFileSync(admin.cert),
      key: readFileSync(admin.key),
    };
    await apiserver.waitUntilReady(async () => (await httpsStatus(`${server}/readyz`, tls)) === 200, 90_000);

    const componentKubeconfig = async (name: string, user: string, groups: string[] = []) => {
      const cert = await pki.client(name, user, groups);
      return writeKubeconfig(join(dir, `${name}.kubeconfig`), {
        server,
        caFile: pki.ca.cert,
        user,
        certFile: cert.cert,
        keyFile: cert.key,
      });
    };

    // kube-controller-manager: garbage collection, namespaces, deployments, service accounts, tokens...
    const kcmConfig = await componentKubeconfig('kube-controller-manager', 'system:kube-controller-manager');
    const controllerManager = new ManagedProcess({
      name: 'kube-controller-manager',
      command: tools['kube-controller-manager'],
      args: [
        `--kubeconfig=${kcmConfig}`,
        `--authentication-kubeconfig=${kcmConfig}`,
        `--authorization-kubeconfig=${kcmConfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        `--cert-dir=${join(dir, 'kcm-certs')}`,
        `--service-account-private-key-file=${saKeys.privateKey}`,
        `--root-ca-file=${pki.ca.cert}`,
        `--cluster-signing-cert-file=${pki.ca.cert}`,
        `--cluster-signing-key-file=${pki.ca.key}`,
        '--use-service-account-credentials=true',
        '--controllers=*',
        '--leader-elect=false',
        '--allocate-node-cidrs=false',
      ],
      logFile: join(dir, 'kube-controller-manager.log'),
    });
    processes.push(controllerManager);

    const schedulerConfig = await componentKubeconfig('kube-scheduler', 'system:kube-scheduler');
    const scheduler = new ManagedProcess({
      name: 'kube-scheduler',
      command: tools['kube-scheduler'],
      args: [
        `--kubeconfig=${schedulerConfig}`,
        `--authentication-kubeconfig=${schedulerConfig}`,
        `--authorization-kubeconfig=${schedulerConfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        `--cert-dir=${join(dir, 'scheduler-certs')}`,
        '--leader-elect=false',
      ],
      logFile: join(dir, 'kube-scheduler.log'),
    });
    processes.push(scheduler);

    // kwok plays the kubelets: it manages only nodes carrying its annotation.
    const kwokConfig = await componentKubeconfig('kwok', 'kwok-controller', ['system:masters']);
    const kwok = new ManagedProcess({
      name: 'kwok',
      command: tools.kwok,
      args: [
        `--kubeconfig=${kwokConfig}`,
        `--config=${tools.kwokStages}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
        '--cidr=10.244.0.0/16',
        '--node-ip=10.244.0.1',
        '--node-lease-duration-seconds=40',
      ],
      logFile: join(dir, 'kwok.log'),
      env: { ...process.env, HOME: dir },
    });
    processes.push(kwok);

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    for (let index = 0; index < (options.nodes ?? 1); index++) {
      await registerFakeNode(
        core,
        `kwok-node-${index}`,
        options.nodeCapacity ?? { cpu: '32', memory: '128Gi', pods: 110 },
      );
    }
    await waitFor('the fake nodes to be Ready and the controllers to run', processes, async () => {
      const nodes = await core.listNode();
      const ready = nodes.items.filter((node) =>
        node.status?.conditions?.some(
          (condition) => condition.type === 'Ready' && condition.status === 'True',
        ),
      );
      if (ready.length < (options.nodes ?? 1)) return false;
      // The service-account controller creates `default` in every namespace: proof the controller manager works.
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    });

    return {
      server,
      kubeconfigPath,
      tools,
      processes,
      stop,
      kubeconfigFor: async (user, groups = []) => {
        const safe = user.replace(/[^a-zA-Z0-9-]/g, '-');
        return componentKubeconfig(`user-${safe}`, user, groups);
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function registerFakeNode(
  core: CoreV1Api,
  name: string,
  offers: { cpu: string; memory: string; pods: number },
): Promise<void> {
  const capacity = { cpu: offers.cpu, memory: offers.memory, pods: String(offers.pods) };
  const node: V1Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [FAKE_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': 'zone-a',
        type: 'kwok',
      },
    },
    status: {
      allocatable: capacity,
      capacity,
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: 'fake',
        kubeletVersion: 'fake',
        machineID: '',
        operatingSystem: 'linux',
        osImage: '',
        systemUUID: '',
      },
    },
  };
  try {
    await core.createNode({ body: node });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error; // already registered (restart)
  }
}

/** Metadata of every request the given users make (one event per request, at ResponseComplete). */
async function writeAuditPolicy(dir: string, users: string[]): Promise<string> {
  const file = join(dir, 'audit-policy.yaml');
  const policy = {
    apiVersion: 'audit.k8s.io/v1',
    kind: 'Policy',
    omitStages: ['RequestReceived', 'ResponseStarted'],
    rules: [{ level: 'Metadata', users }, { level: 'None' }],
  };
  await writeFile(file, JSON.stringify(policy));
  return file;
}

async function waitFor(
  what: string,
  processes: ManagedProcess[],
  check: () => Promise<boolean>,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const dead = processes.find((process) => !process.running);
    if (dead)
      throw new Error(`${dead.name} exited while waiting for ${what}. Last log lines:\n${dead.logTail()}`);
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(250);
  }
  throw new Error(
    `timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

function httpsStatus(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
