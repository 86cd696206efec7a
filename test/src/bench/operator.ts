// `npm run bench -- operator`: the Tenant operator as a process against a real control plane
// (kwok nodes), PostgreSQL and NATS in operator mode. Figures: created→Ready latency one tenant at a
// time; 100 tenants applied at once until all Ready; the operator's memory with no tenant and with
// BENCH_TENANTS (default 1,000) Ready tenants; and the API requests a full resync of them makes,
// counted from the API server's own audit log (target: no writes). The operator runs as in its
// pods: compiled to JavaScript as its image holds it, with the chart's NODE_OPTIONS and
// GLIBC_TUNABLES, and jemalloc preloaded as the chart does.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { parse } from 'yaml';
import { stageCompiled } from '../build/compile.ts';
import { freePort } from '../infra/process.ts';
import { startNats } from '../infra/nats.ts';
import { generatePassword, startPostgres } from '../infra/postgres.ts';
import { startRedis } from '../infra/redis.ts';
import { startControlPlane } from '../k8s/control-plane.ts';
import { ensureDebianLibrary } from '../tools/ensure-tools.ts';

const repo = resolve(import.meta.dirname, '..', '..', '..');
const OPERATOR_USER = 'cloudpos-operator-bench';
const SHARD = 'bench';
const CONCURRENCY = 8;
const RESYNC_SECONDS = 120;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const progress = (line: string) => process.stderr.write(`operator bench: ${line}\n`);

function tenant(slug: string) {
  return {
    apiVersion: 'cloudpos.io/v1alpha1',
    kind: 'Tenant',
    metadata: { name: slug, labels: { 'cloudpos.io/shard': SHARD } },
    spec: {
      slug,
      displayName: `Bench ${slug}`,
      plan: 'starter',
      owner: { name: 'Bench', email: 'bench@example.com' },
      currency: 'EUR',
    },
  };
}

export async function operatorBenchmark(): Promise<string[]> {
  const total = Number(process.env.BENCH_TENANTS ?? 1000);
  const root = await mkdtemp(join(tmpdir(), 'cloudpos-bench-operator-'));
  await chmod(root, 0o755);
  // The operator and the workspaces it loads, compiled as its image has them (no type stripper).
  const app = join(root, 'app');
  await stageCompiled(repo, app, 'operator');
  const stops: (() => Promise<unknown>)[] = [];
  let operator: ChildProcess | undefined;
  // Interrupted, it still stops everything it started (they would go on eating the CPU).
  const interrupted = () => {
    process.stderr.write('operator bench: interrupted; stopping what it started\n');
    void (async () => {
      for (const stop of stops) await stop().catch(() => {});
      await rm(root, { recursive: true, force: true });
      process.exit(130);
    })();
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    progress(`starting PostgreSQL, NATS and the control plane (in ${root})`);
    const postgres = await startPostgres({
      dir: join(root, 'pg'),
      password: generatePassword(),
      durable: false,
    });
    stops.push(() => postgres.stop());
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query('create database cloudpos');
    await admin.end();
    const databaseUrl = postgres.urlFor('cloudpos');
    const nats = await startNats({ dir: join(root, 'nats'), operatorMode: true });
    stops.push(() => nats.stop());
    // Each tenant gets its Redis ACL user: a real Redis, as in a cluster.
    const redis = await startRedis({ dir: join(root, 'redis'), durable: false });
    stops.push(() => redis.stop());
    const cluster = await startControlPlane({
      dir: join(root, 'k8s'),
      nodes: 2,
      // 1,000 tenants' pods (two each, 100m to 250m CPU requested) on two fake nodes.
      nodeCapacity: { cpu: '2000', memory: '8Ti', pods: 5000 },
      auditUsers: [OPERATOR_USER],
    });
    stops.push(() => cluster.stop());
    await run(cluster.tools.kubectl, [
      '--kubeconfig',
      cluster.kubeconfigPath,
      'apply',
      '--server-side',
      '-f',
      join(repo, 'crds'),
    ]);
    await run(cluster.tools.kubectl, [
      '--kubeconfig',
      cluster.kubeconfigPath,
      'wait',
      '--for=condition=Established',
      'crd/tenants.cloudpos.io',
    ]);
    await run(cluster.tools.kubectl, [
      '--kubeconfig',
      cluster.kubeconfigPath,
      'create',
      'namespace',
      'cloudpos-system',
    ]);

    const database = new URL(databaseUrl);
    const config = {
      image: 'registry.example/cloudpos/pos:bench',
      imagePullPolicy: 'IfNotPresent',
      baseDomain: 'pos.example.com',
      ingressClassName: 'nginx',
      clusterIssuer: 'letsencrypt',
      ingressNamespace: 'ingress-nginx',
      egress: {
        dns: { name: 'dns', port: 53, namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
        postgres: { name: 'postgres', port: Number(database.port), cidr: '127.0.0.1/32' },
        nats: { name: 'nats', port: nats.port, cidr: '127.0.0.1/32' },
        redis: { name: 'redis', port: redis.port, cidr: '127.0.0.1/32' },
        otelCollector: { name: 'otel', port: 4317, cidr: '127.0.0.1/32' },
      },
      endpoints: {
        postgresHost: database.hostname,
        postgresPort: Number(database.port),
        postgresDatabase: 'cloudpos',
        natsUrl: nats.url,
        redisUrl: `redis://127.0.0.1:${redis.port}`,
      },
    };
    await writeFile(join(root, 'operator.json'), JSON.stringify(config));
    await writeFile(join(root, 'system.creds'), nats.operator!.systemUserCreds, { mode: 0o600 });
    const metricsPort = await freePort();
    const logs: string[] = [];
    operator = spawn(
      process.execPath,
      [
        // BENCH_CPU_PROFILE=<dir>: the operator writes a V8 CPU profile there when it stops.
        ...(process.env.BENCH_CPU_PROFILE
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
          : []),
        // BENCH_HEAP_SNAPSHOT=<dir>: the operator writes a heap snapshot there once the memory is read.
        ...(process.env.BENCH_HEAP_SNAPSHOT
          ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOT}`]
          : []),
        '--import',
        join(app, 'services/telemetry/src/register.js'),
        join(app, 'operator/src/main.js'),
      ],
      {
        env: {
          ...process.env,
          ...(await chartRuntimeEnv()),
          KUBECONFIG: await cluster.kubeconfigFor(OPERATOR_USER, ['system:masters']),
          OPERATOR_CONFIG: join(root, 'operator.json'),
          DATABASE_URL: databaseUrl,
          NATS_URL: nats.url,
          NATS_OPERATOR_SEED: nats.operator!.operatorSeed,
          NATS_SYSTEM_CREDS_FILE: join(root, 'system.creds'),
          REDIS_ADMIN_URL: redis.url,
          LEASE_NAMESPACE: 'cloudpos-system',
          METRICS_HOST: '127.0.0.1',
          METRICS_PORT: String(metricsPort),
          CONCURRENCY: String(CONCURRENCY),
          RESYNC_SECONDS: String(RESYNC_SECONDS),
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buffer = '';
    operator.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      logs.push(...lines);
    });
    const pid = operator.pid!;
    stops.unshift(async () => {
      operator?.kill('SIGTERM');
      await new Promise((done) => operator?.once('exit', done));
    });
    while (!logs.some((line) => line.includes('"became leader"'))) await sleep(100);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const lines: string[] = [];
    await sleep(10_000);
    lines.push(await memoryOf(pid, metricsUrl, 'operator-rss-0'));
    progress(lines.at(-1)!);

    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const group = { group: 'cloudpos.io', version: 'v1alpha1', plural: 'tenants' };
    const create = (slug: string) => custom.createClusterCustomObject({ ...group, body: tenant(slug) });
    const readyCount = async () => {
      const list = (await custom.listClusterCustomObject(group)) as {
        items: { status?: { phase?: string } }[];
      };
      return list.items.filter((item) => item.status?.phase === 'Ready').length;
    };
    const waitUntilReady = async (count: number, timeoutMs: number, pollMs = 500) => {
      const deadline = Date.now() + timeoutMs;
      while ((await readyCount()) < count) {
        if (Date.now() > deadline) throw new Error(`only ${await readyCount()} of ${count} tenants Ready`);
        await sleep(pollMs);
      }
    };

    // 1. One tenant at a time: created → Ready.
    const latencies: number[] = [];
    for (let index = 0; index < 20; index++) {
      const started = performance.now();
      await create(`single-${index}`);
      await waitUntilReady(index + 1, 120_000, 50);
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    lines.push(
      `tenant-ready: p50=${seconds(percentile(latencies, 50))} p95=${seconds(percentile(latencies, 95))} n=${latencies.length} concurrency=${CONCURRENCY}`,
    );
    progress(lines.at(-1)!);

    // 2. A hundred at once.
    let ready = 20;
    const burst = performance.now();
    await Promise.all(Array.from({ length: 100 }, (_, index) => create(`burst-${index}`)));
    ready += 100;
    await waitUntilReady(ready, 30 * 60_000);
    lines.push(`tenants-100-ready: ${seconds(performance.now() - burst)}`);
    progress(lines.at(-1)!);

    // 3. Up to the total, a hundred at a time.
    const fill = performance.now();
    while (ready < total) {
      const batch = Math.min(100, total - ready);
      await Promise.all(Array.from({ length: batch }, (_, index) => create(`fill-${ready + index}`)));
      ready += batch;
      await waitUntilReady(ready, 30 * 60_000, 2000);
      progress(`${ready} tenants Ready after ${seconds(performance.now() - fill)}`);
    }
    lines.push(`tenants-${total}-ready: ${seconds(performance.now() - fill)} (filling from 120 Ready)`);

    // 4. Memory of the operator holding them all, once it is idle.
    await sleep(10_000);
    lines.push(await memoryOf(pid, metricsUrl, `operator-rss-${total}`));
    progress(lines.at(-1)!);
    if (process.env.BENCH_HEAP_SNAPSHOT) {
      operator.kill('SIGUSR2');
      progress(`heap snapshot requested (in ${process.env.BENCH_HEAP_SNAPSHOT})`);
    }

    // 5. The operator's own periodic resync (every RESYNC_SECONDS) of tenants that are all Ready
    // and unchanged: from its log line until every tenant was reconciled once more (both by the
    // operator's own log times), every request the operator made, as the API server's audit log
    // recorded them.
    const isResync = (line: string) => line.includes('"periodic resync"');
    const resyncsSoFar = logs.filter(isResync).length;
    progress(`waiting for the next periodic resync (every ${RESYNC_SECONDS}s)`);
    while (logs.filter(isResync).length === resyncsSoFar) await sleep(100);
    const resyncAt = logs.findLastIndex(isResync);
    const reconciledSince = () =>
      logs
        .slice(resyncAt)
        .filter((line) => line.includes('"reconciled"'))
        .slice(0, total)
        .map((line) => JSON.parse(line) as { durationMs: number; time: string });
    while (reconciledSince().length < total) await sleep(200);
    const pass = reconciledSince();
    const resyncStarted = new Date((JSON.parse(logs[resyncAt]!) as { time: string }).time);
    const resyncMs = new Date(pass.at(-1)!.time).getTime() - resyncStarted.getTime();
    // Each reconcile's own time, from its log line: the unchanged reconcile's latency.
    const durations = pass.map((line) => line.durationMs).sort((a, b) => a - b);
    const events = (await readFile(join(root, 'k8s', 'audit.log'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as {
            verb: string;
            user: { username: string };
            objectRef?: { resource?: string; subresource?: string };
            requestReceivedTimestamp: string;
          },
      )
      .filter(
        (event) =>
          event.user.username === OPERATOR_USER &&
          new Date(event.requestReceivedTimestamp).getTime() >= resyncStarted.getTime() - 1000 &&
          new Date(event.requestReceivedTimestamp).getTime() <= resyncStarted.getTime() + resyncMs,
      );
    const allWrites = events.filter((event) =>
      ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(event.verb),
    );
    // The leader renews its Lease every few seconds whatever it reconciles: not a resync's write.
    const renewals = allWrites.filter((event) => event.objectRef?.resource === 'leases').length;
    const writes = allWrites.filter((event) => event.objectRef?.resource !== 'leases');
    const byResource = new Map<string, number>();
    for (const event of writes) {
      const key = `${event.verb} ${event.objectRef?.resource ?? '?'}${event.objectRef?.subresource ? `/${event.objectRef.subresource}` : ''}`;
      byResource.set(key, (byResource.get(key) ?? 0) + 1);
    }
    lines.push(
      `resync-${total}-writes: ${writes.length}${writes.length > 0 ? ` (${[...byResource].map(([key, count]) => `${key}=${count}`).join(', ')})` : ''} lease-renewals=${renewals}`,
    );
    lines.push(
      `reconcile-unchanged: p50=${percentile(durations, 50).toFixed(0)}ms p99=${percentile(durations, 99).toFixed(0)}ms n=${durations.length} concurrency=${CONCURRENCY}`,
    );
    lines.push(`resync-${total}-pass: ${seconds(resyncMs)}`);
    lines.push(
      `resync-${total}-requests: ${events.length} (reads ${events.length - allWrites.length}) in ${seconds(resyncMs)}`,
    );
    return lines;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const stop of stops) await stop().catch(() => {});
    if (!process.env.BENCH_KEEP) await rm(root, { recursive: true, force: true });
  }
}

/**
 * The runtime settings the chart gives the operator's pods (NODE_OPTIONS, GLIBC_TUNABLES, and
 * jemalloc through LD_PRELOAD and MALLOC_CONF, installed from Debian when this machine lacks it):
 * measured as it runs there. NODE_OPTIONS of the benchmark's own environment come after the
 * chart's, so a flag can be tried without editing the chart.
 */
async function chartRuntimeEnv(): Promise<Record<string, string>> {
  const values = parse(await readFile(join(repo, 'charts', 'cloudpos', 'values.yaml'), 'utf8')) as {
    operator: { nodeOptions?: string; glibcTunables?: string; mallocPreload?: string; mallocConf?: string };
  };
  const { nodeOptions, glibcTunables, mallocPreload, mallocConf } = values.operator;
  const options = [nodeOptions, process.env.NODE_OPTIONS].filter(Boolean).join(' ');
  if (mallocPreload) await ensureDebianLibrary(mallocPreload, 'libjemalloc2', progress);
  return {
    ...(options ? { NODE_OPTIONS: options } : {}),
    ...(glibcTunables ? { GLIBC_TUNABLES: glibcTunables } : {}),
    ...(mallocPreload ? { LD_PRELOAD: mallocPreload } : {}),
    ...(mallocPreload && mallocConf ? { MALLOC_CONF: mallocConf } : {}),
  };
}

/**
 * The operator's RSS, and where it is: from its own default metrics the JavaScript heap (used and
 * reserved) and memory outside it (Buffers, native objects); from /proc/<pid>/smaps what is resident
 * in glibc's heap, in other anonymous mappings and in files.
 */
async function memoryOf(pid: number, metricsUrl: string, figure: string): Promise<string> {
  const rss = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]!;
  const exposition = await (await fetch(metricsUrl)).text();
  const gauge = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(exposition)?.[1] ?? NaN);
  const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)}MB`;
  // Where the resident pages are, by mapping: glibc's heap (brk), other anonymous memory (V8's
  // heap, malloc's large blocks, stacks), and files (the node binary, libraries).
  const parts = { brk: 0, anonymous: 0, files: 0 };
  let kind: keyof typeof parts = 'anonymous';
  for (const line of (await readFile(`/proc/${pid}/smaps`, 'utf8')).split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const path = mapping[1] ?? '';
      kind = path === '[heap]' ? 'brk' : path.startsWith('/') ? 'files' : 'anonymous';
      continue;
    }
    const resident = /^Rss:\s+(\d+) kB/.exec(line);
    if (resident) parts[kind] += Number(resident[1]) * 1024;
  }
  return (
    `${figure}: ${Math.round(Number(rss) / 1024)}MB` +
    ` (heap used ${mb(gauge('nodejs_heap_size_used_bytes'))} of ${mb(gauge('nodejs_heap_size_total_bytes'))},` +
    ` external ${mb(gauge('nodejs_external_memory_bytes'))};` +
    ` resident in malloc's heap ${mb(parts.brk)}, other anonymous ${mb(parts.anonymous)}, files ${mb(parts.files)})`
  );
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${command} ${args.join(' ')}: ${stderr}`)),
    );
  });
}
