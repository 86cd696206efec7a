// The Helm chart (charts/cloudpos) against the real API server of the harness: lint, rendering,
// server-side dry runs under restricted Pod Security, a real install/upgrade/uninstall whose pods
// become Ready on kwok nodes, the values schema, and the chart's copies of what has one source
// elsewhere (the CRD in crds/, the metric names in the processes, the OperatorConfig type), and the
// monitoring objects (dashboards, ServiceMonitor, PrometheusRule) against the Prometheus Operator's
// CRDs and promtool.
import { salesMetrics } from '@cloudpos/pos-api';
import { createMetrics, type Metrics } from '@cloudpos/telemetry';
import { relayMetrics } from '@cloudpos/worker';
import type {} from '@cloudpos/harness/vitest/provided';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadDatabaseClusters, loadSmtpUrl, type OperatorConfig } from './config.ts';
import { managerMetrics } from './controller/manager.ts';
import { crdPath } from './crd.ts';
import { tenantFixture, tenantManifest, testCredentials } from './specs/fixtures.ts';
import { desiredObjects } from './specs/index.ts';
import { installTenantCrd, kubectl, type KubectlResult } from './test-support.ts';

const chartDir = resolve(import.meta.dirname, '..', '..', 'charts', 'cloudpos');
const ciValues = join(chartDir, 'ci', 'default-values.yaml');
const suffix = Math.random().toString(36).slice(2, 8);

interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

let helmHome: string;

beforeAll(async () => {
  // Helm keeps its own cache and configuration; these tests keep theirs out of $HOME.
  helmHome = await mkdtemp(join(tmpdir(), 'cloudpos-helm-'));
});

afterAll(async () => {
  await rm(helmHome, { recursive: true, force: true });
});

function helm(args: string[]): Promise<KubectlResult> {
  return runTool(inject('helmPath'), [...args, '--kubeconfig', inject('kubeconfigPath')], {
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  });
}

/** A child process's exit code and output. */
function runTool(command: string, args: string[], env: Record<string, string> = {}): Promise<KubectlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

async function succeed(result: Promise<KubectlResult>, what: string): Promise<string> {
  const done = await result;
  if (done.code !== 0) throw new Error(`${what} failed (exit ${done.code}):\n${done.stderr}${done.stdout}`);
  return done.stdout;
}

/** `helm template` of the chart, parsed; `args` adds values and flags. */
async function render(args: string[], release = 'cloudpos', namespace = 'cloudpos-system') {
  const stdout = await succeed(
    helm(['template', release, chartDir, '--namespace', namespace, ...args]),
    'helm template',
  );
  return { yaml: stdout, objects: parseObjects(stdout) };
}

function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && (!name || object.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in the rendered chart`);
  return found;
}

async function createNamespace(name: string): Promise<void> {
  // The namespaces enforce the restricted Pod Security profile, as the README asks of the real one.
  const namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  };
  await succeed(kubectl(['apply', '-f', '-'], stringify(namespace)), `creating namespace ${name}`);
}

/** Applies a file of another project's CRDs and waits until the named ones are served. */
async function installThirdPartyCrds(file: string, names: string[]): Promise<void> {
  const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', file]);
  expect(applied.code, applied.stderr).toBe(0);
  // Right after the apply a CRD may have no conditions yet, which `kubectl wait` reports as an error.
  const wait = () =>
    kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...names.map((name) => `crd/${name}`)]);
  let established = await wait();
  for (let attempt = 0; established.code !== 0 && attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    established = await wait();
  }
  expect(established.code, established.stderr).toBe(0);
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(
    await succeed(kubectl(['get', ...args, '-o', 'json']), `kubectl get ${args.join(' ')}`),
  ) as T;
}

// --- Dashboards and alerts against what the processes export -------------------------------------

type Process = 'operator' | 'pos-api' | 'worker' | 'portal';

/** Each process's registry, built as its main builds it (operator/src/main.ts, services/pos-api/src/server.ts and app.ts, services/worker/src/main.ts). */
function processMetrics(process: Process): Metrics {
  switch (process) {
    case 'operator': {
      const metrics = createMetrics({ service: 'cloudpos-operator' });
      managerMetrics(metrics.registry);
      return metrics;
    }
    case 'pos-api': {
      const metrics = createMetrics({ service: 'pos-api' });
      salesMetrics(metrics.registry);
      return metrics;
    }
    case 'worker': {
      const metrics = createMetrics({ service: 'worker' });
      relayMetrics(metrics.registry);
      return metrics;
    }
    // portal/src/app.ts: the shared HTTP and Node metrics only.
    case 'portal':
      return createMetrics({ service: 'cloudpos-portal' });
  }
}

/** The series a registry exposes: counters and gauges by name, histograms as _bucket, _sum, _count. */
async function exportedSeries(registry: Registry): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const type = String(metric.type);
    if (type === 'histogram') for (const part of ['_bucket', '_sum', '_count']) names.add(metric.name + part);
    else if (type === 'summary') for (const part of ['', '_sum', '_count']) names.add(metric.name + part);
    else names.add(metric.name);
  }
  return names;
}

const PROCESSES: Process[] = ['operator', 'pos-api', 'worker', 'portal'];

/** Series this process shares with another one (HTTP, Node defaults): a query must say whose it means. */
async function sharedSeries(process: Process): Promise<Set<string>> {
  const mine = await exportedSeries(processMetrics(process).registry);
  const others = new Set<string>();
  for (const other of PROCESSES.filter((name) => name !== process))
    for (const name of await exportedSeries(processMetrics(other).registry)) others.add(name);
  return new Set([...mine].filter((name) => others.has(name)));
}

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'offset', 'bool']);

/**
 * The metric names in a PromQL expression: what is left once strings, label matchers, ranges,
 * grouping labels, numbers, function calls and keywords are taken out. Conservative: anything else
 * left over counts as a metric name and must then be exported, so a slip fails the test.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\d+[a-z]+/g, ' ')
    .replace(/(?<![\w:])\d+(\.\d+)?(e[+-]?\d+)?/gi, ' ');
  return [...stripped.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)]
    .filter(([, name, call]) => !call && !PROMQL_WORDS.has(name!))
    .map(([, name]) => name!);
}

/** Uses of `names` in `expr` whose selector lacks `matcher` (e.g. `container="pos-api"`). */
function unnarrowed(expr: string, names: Set<string>, matcher: string): string[] {
  const narrowed = [...expr.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)]
    .filter(([, , matchers]) => matchers!.split(/\s*,\s*/).includes(matcher))
    .map(([, name]) => name!);
  const missing = metricNames(expr).filter((name) => names.has(name));
  for (const name of narrowed) {
    const at = missing.indexOf(name);
    if (at >= 0) missing.splice(at, 1);
  }
  return missing;
}

interface Dashboard {
  uid: string;
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
  panels: { id: number; title: string; targets: { refId: string; expr: string }[] }[];
}

/** Every query of a dashboard: panel targets, and the selectors inside label_values() variables. */
function dashboardQueries(dashboard: Dashboard): { where: string; expr: string }[] {
  const queries: { where: string; expr: string }[] = [];
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    if (!selector) throw new Error(`variable ${variable.name}: not a label_values() query: ${query}`);
    queries.push({ where: `variable ${variable.name}`, expr: selector });
  }
  for (const panel of dashboard.panels) {
    if (panel.targets.length === 0) throw new Error(`panel ${panel.title} has no query`);
    for (const target of panel.targets)
      queries.push({ where: `${panel.title} (${target.refId})`, expr: target.expr });
  }
  return queries;
}

const DASHBOARDS: {
  file: string;
  configMap: string;
  process: Process;
  /** Shared series (HTTP, Node) must carry this matcher to mean this process. */
  narrowedBy?: string;
  uses: string[];
}[] = [
  {
    file: 'cloudpos-operator.json',
    configMap: 'cloudpos-operator-dashboard',
    process: 'operator',
    uses: [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds_bucket',
      'workqueue_depth',
      'cloudpos_tenants',
    ],
  },
  {
    file: 'cloudpos-pos-api.json',
    configMap: 'cloudpos-pos-api-dashboard',
    process: 'pos-api',
    narrowedBy: 'container="pos-api"',
    uses: [
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
      'cloudpos_sales_total',
      'cloudpos_sales_amount_minor_total',
      'cloudpos_sales_offline_replayed_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ],
  },
  {
    file: 'cloudpos-worker.json',
    configMap: 'cloudpos-worker-dashboard',
    process: 'worker',
    narrowedBy: 'container="worker"',
    uses: [
      'cloudpos_outbox_pending',
      'cloudpos_outbox_published_total',
      'cloudpos_outbox_relay_failures_total',
      'process_resident_memory_bytes',
    ],
  },
  {
    file: 'cloudpos-portal.json',
    configMap: 'cloudpos-portal-dashboard',
    process: 'portal',
    narrowedBy: 'container="portal"',
    uses: [
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ],
  },
];

/** The PrometheusRule's groups, whose process each watches; rendered in `cloudpos-system`. */
const ALERT_GROUPS: Record<string, { process: Process; narrowedBy: string; uses: string[] }> = {
  'cloudpos-operator': {
    process: 'operator',
    narrowedBy: 'namespace="cloudpos-system"',
    uses: [
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_total',
      'cloudpos_tenants',
    ],
  },
  'cloudpos-outbox': {
    process: 'worker',
    narrowedBy: 'container="worker"',
    uses: [
      'cloudpos_outbox_pending',
      'cloudpos_outbox_published_total',
      'cloudpos_outbox_relay_failures_total',
    ],
  },
  'cloudpos-pos-api': {
    process: 'pos-api',
    narrowedBy: 'container="pos-api"',
    uses: ['http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_count'],
  },
  'cloudpos-portal': {
    process: 'portal',
    narrowedBy: 'container="portal"',
    uses: ['http_server_request_duration_seconds_count'],
  },
};

interface PrometheusRule extends KubeObject {
  spec: {
    groups: {
      name: string;
      rules: {
        alert: string;
        expr: string;
        for: string;
        labels: Record<string, string>;
        annotations: Record<string, string | undefined>;
      }[];
    }[];
  };
}

const api = (namespace: string, status: string, extra = '') =>
  `{container="pos-api", namespace="${namespace}", method="POST", route="/v1/sales", status_code="${status}"${extra}}`;
const outbox = (tenant: string) => `{container="worker", namespace="tenant-${tenant}", tenant="${tenant}"}`;
const HTTP = 'http_server_request_duration_seconds';
/** Values that render the PrometheusRule, as on a cluster serving the Prometheus Operator's API. */
const withAlerts = [
  '--values',
  ciValues,
  '--api-versions',
  'monitoring.coreos.com/v1',
  '--set',
  'metrics.prometheusRule.enabled=true',
];
const burn = (tenant: string, severity: string, long: string, short: string) => ({
  exp_labels: { namespace: `tenant-${tenant}`, severity, long_window: long, short_window: short },
});

/**
 * `promtool test rules` for the rendered alerts (release namespace `cloudpos-system`, default values),
 * one minute between samples. Each case has a series that must fire and one that must not.
 */
const ALERT_UNIT_TESTS = {
  rule_files: ['alerts-bare.yaml'],
  evaluation_interval: '1m',
  tests: [
    {
      name: 'operator',
      interval: '1m',
      input_series: [
        // 30% of reconciles fail in the release's namespace; another operator's errors are not ours.
        {
          series:
            'controller_runtime_reconcile_total{controller="tenant", namespace="cloudpos-system", result="success"}',
          values: '0+7x40',
        },
        {
          series:
            'controller_runtime_reconcile_total{controller="tenant", namespace="cloudpos-system", result="error"}',
          values: '0+3x40',
        },
        {
          series:
            'controller_runtime_reconcile_errors_total{controller="tenant", namespace="cloudpos-system"}',
          values: '0+3x40',
        },
        {
          series:
            'controller_runtime_reconcile_total{controller="tenant", namespace="elsewhere", result="error"}',
          values: '0+3x40',
        },
        {
          series: 'controller_runtime_reconcile_errors_total{controller="tenant", namespace="elsewhere"}',
          values: '0+3x40',
        },
        { series: 'cloudpos_tenants{namespace="cloudpos-system", phase="Ready"}', values: '4x40' },
        { series: 'cloudpos_tenants{namespace="cloudpos-system", phase="Degraded"}', values: '1x40' },
        { series: 'cloudpos_tenants{namespace="cloudpos-system", phase="Suspended"}', values: '1x40' },
      ],
      alert_rule_test: [
        { eval_time: '10m', alertname: 'CloudPOSReconcileErrors', exp_alerts: [] },
        {
          eval_time: '30m',
          alertname: 'CloudPOSReconcileErrors',
          exp_alerts: [{ exp_labels: { namespace: 'cloudpos-system', severity: 'warning' } }],
        },
        { eval_time: '10m', alertname: 'CloudPOSTenantsNotReady', exp_alerts: [] },
        {
          eval_time: '20m',
          alertname: 'CloudPOSTenantsNotReady',
          exp_alerts: [
            { exp_labels: { namespace: 'cloudpos-system', phase: 'Degraded', severity: 'warning' } },
          ],
        },
      ],
    },
    {
      name: 'outbox',
      interval: '1m',
      input_series: [
        // a: publishes stop at 10 minutes while 5 events wait. b: publishes, but passes fail too.
        // c: publishes, yet 2000 events wait.
        { series: `cloudpos_outbox_pending${outbox('a')}`, values: '5x60' },
        { series: `cloudpos_outbox_published_total${outbox('a')}`, values: '0+10x10 100x50' },
        { series: `cloudpos_outbox_relay_failures_total${outbox('a')}`, values: '0x60' },
        { series: `cloudpos_outbox_pending${outbox('b')}`, values: '3x60' },
        { series: `cloudpos_outbox_published_total${outbox('b')}`, values: '0+10x60' },
        { series: `cloudpos_outbox_relay_failures_total${outbox('b')}`, values: '0+1x60' },
        { series: `cloudpos_outbox_pending${outbox('c')}`, values: '2000x60' },
        { series: `cloudpos_outbox_published_total${outbox('c')}`, values: '0+50x60' },
      ],
      alert_rule_test: [
        { eval_time: '25m', alertname: 'CloudPOSOutboxRelayStalled', exp_alerts: [] },
        {
          eval_time: '35m',
          alertname: 'CloudPOSOutboxRelayStalled',
          exp_alerts: [{ exp_labels: { namespace: 'tenant-a', tenant: 'a', severity: 'critical' } }],
        },
        { eval_time: '10m', alertname: 'CloudPOSOutboxBacklog', exp_alerts: [] },
        {
          eval_time: '20m',
          alertname: 'CloudPOSOutboxBacklog',
          exp_alerts: [{ exp_labels: { namespace: 'tenant-c', tenant: 'c', severity: 'warning' } }],
        },
        { eval_time: '10m', alertname: 'CloudPOSOutboxRelayFailing', exp_alerts: [] },
        {
          eval_time: '20m',
          alertname: 'CloudPOSOutboxRelayFailing',
          exp_alerts: [{ exp_labels: { namespace: 'tenant-b', tenant: 'b', severity: 'warning' } }],
        },
      ],
    },
    {
      name: 'pos-api errors',
      interval: '1m',
      input_series: [
        // a: 10% 5xx at 1 request/s. b: only 5xx, but one a minute (under the traffic floor).
        // e: another container's 5xx.
        { series: `${HTTP}_count${api('tenant-a', '500')}`, values: '0+6x30' },
        { series: `${HTTP}_count${api('tenant-a', '200')}`, values: '0+54x30' },
        { series: `${HTTP}_count${api('tenant-b', '500')}`, values: '0+1x30' },
        {
          series: `${HTTP}_count{container="other", namespace="tenant-e", method="GET", route="/", status_code="500"}`,
          values: '0+60x30',
        },
      ],
      alert_rule_test: [
        { eval_time: '5m', alertname: 'CloudPOSPosApiErrorRate', exp_alerts: [] },
        {
          eval_time: '20m',
          alertname: 'CloudPOSPosApiErrorRate',
          exp_alerts: [{ exp_labels: { namespace: 'tenant-a', severity: 'critical' } }],
        },
      ],
    },
    {
      name: 'portal errors',
      interval: '1m',
      input_series: [
        // The release's portal: 10% 5xx at 1 request/s. Another namespace's portal is not ours.
        {
          series: `${HTTP}_count{container="portal", namespace="cloudpos-system", method="POST", route="/signup", status_code="500"}`,
          values: '0+6x30',
        },
        {
          series: `${HTTP}_count{container="portal", namespace="cloudpos-system", method="POST", route="/signup", status_code="302"}`,
          values: '0+54x30',
        },
        {
          series: `${HTTP}_count{container="portal", namespace="elsewhere", method="GET", route="/", status_code="500"}`,
          values: '0+60x30',
        },
      ],
      alert_rule_test: [
        { eval_time: '5m', alertname: 'CloudPOSPortalErrorRate', exp_alerts: [] },
        {
          eval_time: '20m',
          alertname: 'CloudPOSPortalErrorRate',
          exp_alerts: [{ exp_labels: { namespace: 'cloudpos-system', severity: 'critical' } }],
        },
      ],
    },
    {
      // The multi-window tiers catch a fast burn fast and a slow one later. c: a day of fast
      // answers at 1 request/s, then 20% slower than 0.5 s from 24h on: the 1h tier fires about 45
      // minutes in, the 6h tier about two hours in, the 1d tier about four and a half hours in.
      // d: 5% slow from the start: only the 1d tier (a ticket), never a page.
      name: 'pos-api latency',
      interval: '1m',
      input_series: [
        { series: `${HTTP}_count${api('tenant-c', '200')}`, values: '0+60x1439 86400+60x300' },
        { series: `${HTTP}_bucket${api('tenant-c', '200', ', le="0.5"')}`, values: '0+60x1439 86400+48x300' },
        { series: `${HTTP}_count${api('tenant-d', '200')}`, values: '0+60x1740' },
        { series: `${HTTP}_bucket${api('tenant-d', '200', ', le="0.5"')}`, values: '0+57x1740' },
      ],
      alert_rule_test: [
        {
          eval_time: '1470m',
          alertname: 'CloudPOSPosApiLatencyBudgetBurn',
          exp_alerts: [burn('d', 'warning', '1d', '2h')],
        },
        {
          eval_time: '1500m',
          alertname: 'CloudPOSPosApiLatencyBudgetBurn',
          exp_alerts: [burn('c', 'critical', '1h', '5m'), burn('d', 'warning', '1d', '2h')],
        },
        {
          eval_time: '1590m',
          alertname: 'CloudPOSPosApiLatencyBudgetBurn',
          exp_alerts: [
            burn('c', 'critical', '1h', '5m'),
            burn('c', 'critical', '6h', '30m'),
            burn('d', 'warning', '1d', '2h'),
          ],
        },
        {
          eval_time: '1730m',
          alertname: 'CloudPOSPosApiLatencyBudgetBurn',
          exp_alerts: [
            burn('c', 'critical', '1h', '5m'),
            burn('c', 'critical', '6h', '30m'),
            burn('c', 'warning', '1d', '2h'),
            burn('d', 'warning', '1d', '2h'),
          ],
        },
      ],
    },
  ],
};

describe('charts/cloudpos', () => {
  it('passes helm lint --strict with every values file in ci/', async () => {
    const files = (await readdir(join(chartDir, 'ci'))).filter((file) => file.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['default-values.yaml', 'production-values.yaml']));
    for (const file of files) {
      const result = await helm(['lint', '--strict', chartDir, '--values', join(chartDir, 'ci', file)]);
      expect(result.code, `${file}:\n${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('renders manifests the API server accepts in a dry run, meeting the restricted Pod Security profile', async () => {
    const namespace = `chart-dry-run-${suffix}`;
    await createNamespace(namespace);
    try {
      for (const file of await readdir(join(chartDir, 'ci'))) {
        const { yaml, objects } = await render(
          ['--values', join(chartDir, 'ci', file), '--set', `dashboards.namespace=${namespace}`],
          `dry-${suffix}`,
          namespace,
        );
        expect(objects.map((object) => object.kind)).toEqual(
          expect.arrayContaining([
            'CustomResourceDefinition',
            'ServiceAccount',
            'ClusterRole',
            'ClusterRoleBinding',
            'Role',
            'RoleBinding',
            'ConfigMap',
            'Deployment',
            'Service',
            'PodDisruptionBudget',
            'NetworkPolicy',
          ]),
        );
        const applied = await kubectl(['apply', '--dry-run=server', '-f', '-'], yaml);
        expect(applied.code, `${file}: ${applied.stderr}`).toBe(0);
        expect(applied.stdout).toContain(
          `deployment.apps/dry-${suffix}-cloudpos-operator created (server dry run)`,
        );
        // PodSecurity admission warns on a Deployment whose pods the namespace would refuse.
        expect(applied.stderr, file).not.toMatch(/PodSecurity/);
      }

      // The same check notices a pod that is not restricted.
      const { yaml } = await render(
        ['--values', ciValues, '--set', 'operator.podSecurityContext.runAsNonRoot=false'],
        `dry-${suffix}`,
        namespace,
      );
      const loose = await kubectl(['apply', '--dry-run=server', '-f', '-'], yaml);
      expect(loose.stderr).toContain('would violate PodSecurity "restricted:latest": runAsNonRoot != true');
    } finally {
      await kubectl(['delete', 'namespace', namespace, '--wait=false']);
    }
  });

  it('installs with --wait on kwok nodes, upgrades a changed value and the CRD, and keeps the CRD and its Tenants on uninstall', async () => {
    const namespace = `chart-install-${suffix}`;
    const release = `chart-${suffix}`;
    const operatorName = `${release}-cloudpos-operator`;
    const serviceAccount = `system:serviceaccount:${namespace}:${operatorName}`;
    const volume = `chart-backups-${suffix}`;
    const keeper = `chart-keep-${suffix}`;
    const work = await mkdtemp(join(tmpdir(), 'cloudpos-chart-'));
    try {
      await createNamespace(namespace);
      await succeed(
        kubectl([
          'create',
          'secret',
          'generic',
          'cloudpos-operator',
          '-n',
          namespace,
          '--from-literal=DATABASE_URL=postgres://operator:unused@postgres:5432/cloudpos',
          '--from-literal=NATS_OPERATOR_SEED=unused',
          '--from-literal=REDIS_ADMIN_URL=redis://default:unused@redis:6379',
          '--from-literal=nats-system.creds=unused',
        ]),
        'creating the credentials Secret',
      );

      // Other test files share this API server and install the CRD with kubectl, as a platform team
      // may have done before adopting the chart: the README's adoption step hands it to the release.
      await installTenantCrd();
      await succeed(
        kubectl(['label', '--overwrite', 'crd/tenants.cloudpos.io', 'app.kubernetes.io/managed-by=Helm']),
        'labelling the CRD for adoption',
      );
      await succeed(
        kubectl([
          'annotate',
          '--overwrite',
          'crd/tenants.cloudpos.io',
          `meta.helm.sh/release-name=${release}`,
          `meta.helm.sh/release-namespace=${namespace}`,
        ]),
        'annotating the CRD for adoption',
      );
      type Crd = KubeObject & {
        spec: { versions: { schema: { openAPIV3Schema: { description: string } } }[] };
      };
      const crdBefore = await getJson<Crd>(['crd', 'tenants.cloudpos.io']);

      const installed = await helm([
        'install',
        release,
        chartDir,
        '--namespace',
        namespace,
        '--values',
        ciValues,
        '--wait',
        '--timeout',
        '90s',
      ]);
      expect(installed.code, installed.stderr).toBe(0);
      expect(installed.stdout).toContain('kubectl apply -f tenants/corner-cafe.yaml');
      expect(installed.stdout).toContain('kubectl get tenants');

      type Deployment = KubeObject & {
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
        status: { availableReplicas?: number; updatedReplicas?: number; replicas?: number };
      };
      const deployment = await getJson<Deployment>(['deployment', operatorName, '-n', namespace]);
      expect(deployment.status.availableReplicas).toBe(2);
      type PodList = { items: { spec: { nodeName?: string }; status: { phase: string } }[] };
      const pods = await getJson<PodList>([
        'pods',
        '-n',
        namespace,
        '-l',
        `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator`,
      ]);
      expect(pods.items).toHaveLength(2);
      expect(pods.items.every((pod) => pod.status.phase === 'Running' && pod.spec.nodeName)).toBe(true);

      // The ServiceAccount holds what the operator needs and no more; the Lease only by its name.
      const can = async (...args: string[]) =>
        (await kubectl(['auth', 'can-i', ...args, `--as=${serviceAccount}`])).stdout.trim();
      expect(await can('patch', 'tenants/status')).toBe('yes');
      expect(await can('create', 'deployments', '-n', 'tenant-anything')).toBe('yes');
      expect(await can('create', 'leases', '-n', namespace)).toBe('yes');
      expect(await can('update', 'leases/cloudpos-operator', '-n', namespace)).toBe('yes');
      expect(await can('update', 'leases/someone-else', '-n', namespace)).toBe('no');
      expect(await can('create', 'leases', '-n', 'default')).toBe('no');
      expect(await can('list', 'pods', '-n', namespace)).toBe('no');
      expect(await can('create', 'clusterroles')).toBe('no');

      // A Tenant that no test's operator reconciles (no shard selects it): it must outlive the release.
      await succeed(
        kubectl(
          ['apply', '-f', '-'],
          stringify(tenantManifest(keeper, {}, { labels: { 'cloudpos.io/shard': 'helm-chart-test' } })),
        ),
        'creating a Tenant',
      );

      // The upgrade: a changed CRD (a new description, as a schema change would come) in a copy of
      // the chart, a changed value and a backup volume.
      const upgradedChart = join(work, 'cloudpos');
      await cp(chartDir, upgradedChart, { recursive: true });
      const crdCopy = join(upgradedChart, 'files', 'crds', 'cloudpos.io_tenants.yaml');
      const newDescription = `A merchant on CloudPOS (upgraded by ${release}).`;
      const crdText = await readFile(crdCopy, 'utf8');
      const crdSource = parse(crdText) as Crd;
      const oldDescription = crdSource.spec.versions[0]!.schema.openAPIV3Schema.description;
      expect(crdText).toContain(`description: ${oldDescription}\n`);
      await writeFile(
        crdCopy,
        crdText.replace(`description: ${oldDescription}\n`, `description: ${newDescription}\n`),
      );
      const backups = {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: volume },
            spec: {
              capacity: { storage: '1Gi' },
              accessModes: ['ReadWriteOnce'],
              storageClassName: '',
              hostPath: { path: `/tmp/${volume}` },
              claimRef: { namespace, name: 'cloudpos-backups' },
            },
          },
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'cloudpos-backups', namespace },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: '',
              volumeName: volume,
              resources: { requests: { storage: '1Gi' } },
            },
          },
        ],
      };
      await succeed(kubectl(['apply', '-f', '-'], stringify(backups)), 'creating the backup volume');

      const upgraded = await helm([
        'upgrade',
        release,
        upgradedChart,
        '--namespace',
        namespace,
        '--values',
        ciValues,
        '--set',
        'operator.concurrency=8',
        '--set',
        'backup.existingClaim=cloudpos-backups',
        '--wait',
        '--timeout',
        '90s',
      ]);
      expect(upgraded.code, upgraded.stderr).toBe(0);

      // helm's --wait accepts a Deployment once it is within maxUnavailable of its replicas: the
      // rollout finishes just after, so wait for it the way kubectl rollout status does.
      const rollout = await kubectl([
        'rollout',
        'status',
        `deployment/${operatorName}`,
        '-n',
        namespace,
        '--timeout=60s',
      ]);
      expect(rollout.code, rollout.stderr).toBe(0);
      const rolled = await getJson<Deployment>(['deployment', operatorName, '-n', namespace]);
      expect(rolled.status).toMatchObject({ availableReplicas: 2, updatedReplicas: 2, replicas: 2 });
      expect(rolled.spec.template.spec.containers[0]!.env).toContainEqual({
        name: 'CONCURRENCY',
        value: '8',
      });
      const config = await getJson<{ data: Record<string, string> }>([
        'configmap',
        `${operatorName}-config`,
        '-n',
        namespace,
      ]);
      expect(JSON.parse(config.data['config.json']!)).toMatchObject({ backupDir: '/var/backups/cloudpos' });
      const crdAfter = await getJson<Crd>(['crd', 'tenants.cloudpos.io']);
      expect(crdAfter.metadata.uid).toBe(crdBefore.metadata.uid);
      expect(crdAfter.spec.versions[0]!.schema.openAPIV3Schema.description).toBe(newDescription);

      // Uninstall deletes only what the release may delete: a missing keep policy here would delete
      // every Tenant on this shared API server, so check it before asking.
      expect(crdAfter.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
      const uninstalled = await helm(['uninstall', release, '--namespace', namespace, '--wait']);
      expect(uninstalled.code, uninstalled.stderr).toBe(0);
      expect(uninstalled.stdout).toContain('[CustomResourceDefinition] tenants.cloudpos.io');
      const crdKept = await getJson<Crd>(['crd', 'tenants.cloudpos.io']);
      expect(crdKept.metadata.uid).toBe(crdBefore.metadata.uid);
      expect((await kubectl(['get', 'tenant', keeper, '-o', 'name'])).stdout.trim()).toBe(
        `tenant.cloudpos.io/${keeper}`,
      );
      expect((await kubectl(['get', 'deployment', operatorName, '-n', namespace])).code).not.toBe(0);
      expect((await kubectl(['get', 'clusterrole', operatorName])).code).not.toBe(0);
    } finally {
      // If anything above failed half-way, the release must not take the shared CRD with it.
      await kubectl(['annotate', '--overwrite', 'crd/tenants.cloudpos.io', 'helm.sh/resource-policy=keep']);
      await helm(['uninstall', release, '--namespace', namespace, '--ignore-not-found']);
      await kubectl(['delete', 'tenant', keeper, '--ignore-not-found', '--wait=false']);
      await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
      await kubectl(['delete', 'persistentvolume', volume, '--ignore-not-found', '--wait=false']);
      await rm(work, { recursive: true, force: true });
    }
  });

  it('refuses bad values at install, with a message that names the value', async () => {
    const cases: [string[], string][] = [
      [[], "at '/image': missing property 'repository'"],
      [[], "at '/secrets': missing property 'existingSecret'"],
      [[], "at '/config': missing property 'baseDomain'"],
      [['--values', ciValues, '--set', 'replicaCount=two'], "at '/replicaCount': got string, want integer"],
      [['--values', ciValues, '--set', 'operator.logLevel=loud'], "at '/operator/logLevel'"],
      [['--values', ciValues, '--set', 'config.baseDomain=Not A Domain'], "at '/config/baseDomain'"],
      // The portal needs its Secret and host; an unknown portal key is an error, not ignored.
      [['--values', ciValues, '--set', 'portal.enabled=true'], 'portal.existingSecret is required'],
      [['--values', ciValues, '--set', 'portal.replicas=2'], "additional properties 'replicas' not allowed"],
      [
        ['--values', ciValues, '--set', 'networkPolicy.egress.enabled=true'],
        'networkPolicy.egress.apiServer must list',
      ],
      // An SMTP egress target is one like the others: a port, and a cidr or a namespace.
      [['--values', ciValues, '--set', 'config.egress.smtp.name=smtp'], "at '/config/egress/smtp'"],
    ];
    for (const [args, message] of cases) {
      const result = await helm(['template', 'bad', chartDir, ...args]);
      expect(result.code, message).not.toBe(0);
      expect(result.stderr).toContain(message);
    }
    // A real install fails the same way, before it creates anything.
    const release = `bad-${suffix}`;
    const installed = await helm([
      'install',
      release,
      chartDir,
      '--values',
      ciValues,
      '--set',
      'replicaCount=two',
    ]);
    expect(installed.code).not.toBe(0);
    expect(installed.stderr).toContain("at '/replicaCount': got string, want integer");
    expect((await helm(['status', release])).code).not.toBe(0);
  });

  it('carries an exact copy of crds/ and renders the Tenant CRD unchanged but for labels and the keep policy', async () => {
    const crdsDir = dirname(crdPath);
    const copiesDir = join(chartDir, 'files', 'crds');
    const yamlIn = async (folder: string) =>
      (await readdir(folder)).filter((file) => file.endsWith('.yaml')).sort();
    const drift = 'charts/cloudpos/files/crds/ drifted from crds/: run charts/scripts/sync-crds.sh';
    expect(await yamlIn(copiesDir), drift).toEqual(await yamlIn(crdsDir));
    for (const file of await yamlIn(crdsDir))
      expect(await readFile(join(copiesDir, file), 'utf8'), `${drift} (${file})`).toBe(
        await readFile(join(crdsDir, file), 'utf8'),
      );
    const source = await readFile(crdPath, 'utf8');

    const { objects } = await render(['--values', ciValues, '--show-only', 'templates/crd-tenants.yaml']);
    const rendered = find(objects, 'CustomResourceDefinition');
    const expected = parse(source) as KubeObject;
    const strip = (crd: KubeObject) => ({ ...crd, metadata: { name: crd.metadata.name } });
    expect(strip(rendered)).toEqual(strip(expected));
    expect(rendered.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(rendered.metadata.labels).toMatchObject({
      ...expected.metadata.labels,
      'app.kubernetes.io/managed-by': 'Helm',
    });

    const unkept = await render(['--values', ciValues, '--set', 'crds.keep=false']);
    expect(find(unkept.objects, 'CustomResourceDefinition').metadata.annotations).toBeUndefined();
    const without = await render(['--values', ciValues, '--set', 'crds.install=false']);
    expect(without.objects.some((object) => object.kind === 'CustomResourceDefinition')).toBe(false);
  });

  it('is the one source of the RBAC that operator/src/main.test.ts runs the operator with', async () => {
    // main.test.ts renders templates/rbac.yaml for the release `cloudpos` in `cloudpos-system` and
    // acts as system:serviceaccount:cloudpos-system:cloudpos-operator.
    const { objects } = await render(['--values', ciValues, '--show-only', 'templates/rbac.yaml']);
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ClusterRole/cloudpos-operator',
      'ClusterRoleBinding/cloudpos-operator',
      'Role/cloudpos-operator-leader-election',
      'RoleBinding/cloudpos-operator-leader-election',
      'ServiceAccount/cloudpos-operator',
    ]);
    expect(find(objects, 'ServiceAccount').metadata.namespace).toBe('cloudpos-system');
    expect(find(objects, 'ClusterRoleBinding')).toMatchObject({
      subjects: [{ kind: 'ServiceAccount', name: 'cloudpos-operator', namespace: 'cloudpos-system' }],
    });
    const mainTest = await readFile(join(import.meta.dirname, 'main.test.ts'), 'utf8');
    expect(mainTest).toContain('--show-only=templates/rbac.yaml');
    expect(mainTest).not.toContain('deploy/rbac.yaml');
  });

  it('renders the OperatorConfig the operator reads, with the chart image and backup folder as defaults', async () => {
    const { objects } = await render(['--values', ciValues, '--set', 'backup.existingClaim=backups']);
    const configMap = find(objects, 'ConfigMap', 'cloudpos-operator-config') as KubeObject & {
      data: Record<string, string>;
    };
    // Typed: a new required OperatorConfig field fails type-checking here until the chart has it.
    const expected: OperatorConfig = {
      image: 'registry.example/cloudpos/pos-api:0.1.0',
      workerImage: 'registry.example/cloudpos/worker:0.1.0',
      imagePullPolicy: 'IfNotPresent',
      baseDomain: 'pos.example.com',
      ingressClassName: 'nginx',
      clusterIssuer: 'letsencrypt',
      ingressNamespace: 'ingress-nginx',
      trustedProxies: [],
      egress: {
        dns: { name: 'dns', port: 53, namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
        postgres: { name: 'postgres', port: 5432, namespace: 'cloudpos-data' },
        nats: { name: 'nats', port: 4222, namespace: 'nats' },
        redis: { name: 'redis', port: 6379, namespace: 'redis' },
        otelCollector: { name: 'otel', port: 4318, namespace: 'observability' },
      },
      backupDir: '/var/backups/cloudpos',
      endpoints: {
        postgresHost: 'cloudpos-db-rw.cloudpos-data.svc',
        postgresPort: 5432,
        postgresDatabase: 'cloudpos',
        natsUrl: 'nats://nats.nats.svc:4222',
        redisUrl: 'redis://redis-master.redis.svc:6379',
        otlpEndpoint: 'http://otel-collector.observability.svc:4318',
      },
    };
    expect(JSON.parse(configMap.data['config.json']!)).toEqual(expected);

    const deployment = find(objects, 'Deployment') as KubeObject & {
      spec: {
        replicas: number;
        template: {
          metadata: { annotations: Record<string, string> };
          spec: {
            containers: { image: string; command?: string[]; env: unknown[]; volumeMounts: unknown[] }[];
          };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0]!;
    expect(deployment.spec.replicas).toBe(2);
    // The operator's image (`npm run images`) starts it with its own entrypoint.
    expect(container.image).toBe('registry.example/cloudpos/operator:0.1.0');
    expect(container.command).toBeUndefined();
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'OPERATOR_CONFIG', value: '/etc/cloudpos/operator/config.json' },
        { name: 'LEASE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NATS_SYSTEM_CREDS_FILE', value: '/etc/cloudpos/nats/nats-system.creds' },
        {
          name: 'DATABASE_URL',
          valueFrom: { secretKeyRef: { name: 'cloudpos-operator', key: 'DATABASE_URL' } },
        },
        {
          name: 'REDIS_ADMIN_URL',
          valueFrom: { secretKeyRef: { name: 'cloudpos-operator', key: 'REDIS_ADMIN_URL' } },
        },
        { name: 'REDIS_ACL_FILE', value: 'false' },
        // The heap and allocator settings `npm run bench -- operator` measures it with.
        { name: 'NODE_OPTIONS', value: '--max-semi-space-size=4 --max-old-space-size=384' },
        { name: 'GLIBC_TUNABLES', value: 'glibc.malloc.mmap_threshold=131072' },
        { name: 'LD_PRELOAD', value: '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2' },
        {
          name: 'MALLOC_CONF',
          value: 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2',
        },
      ]),
    );
    expect(container.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/var/backups/cloudpos' });

    // A changed OperatorConfig changes the pod template, so the pods restart and read it.
    const changed = await render(['--values', ciValues, '--set', 'config.clusterIssuer=other']);
    const changedDeployment = find(changed.objects, 'Deployment') as typeof deployment;
    expect(changedDeployment.spec.template.metadata.annotations['checksum/config']).not.toBe(
      deployment.spec.template.metadata.annotations['checksum/config'],
    );
  });

  it('passes a backup bucket to the operator: its URL in the config, its keys only from a Secret', async () => {
    const { objects } = await render([
      '--values',
      ciValues,
      '--set',
      'backup.existingClaim=backups',
      '--set',
      'backup.bucket.url=s3://cloudpos-backups/eu-1',
      '--set',
      'backup.bucket.endpoint=https://s3.example.com',
      '--set',
      'backup.bucket.existingSecret=backup-bucket-keys',
    ]);
    const configMap = find(objects, 'ConfigMap', 'cloudpos-operator-config') as KubeObject & {
      data: Record<string, string>;
    };
    const config = JSON.parse(configMap.data['config.json']!) as OperatorConfig;
    expect(config.backupBucket).toEqual({
      url: 's3://cloudpos-backups/eu-1',
      endpoint: 'https://s3.example.com',
    });
    const deployment = find(objects, 'Deployment') as KubeObject & {
      spec: { template: { spec: { containers: { env: unknown[] }[] } } };
    };
    expect(deployment.spec.template.spec.containers[0]!.env).toEqual(
      expect.arrayContaining(
        ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((key) => ({
          name: key,
          valueFrom: { secretKeyRef: { name: 'backup-bucket-keys', key } },
        })),
      ),
    );
    // Not a bucket URL: the values schema refuses it before anything is rendered.
    await expect(
      render(['--values', ciValues, '--set', 'backup.bucket.url=https://s3.example.com/b']),
    ).rejects.toThrow(/backup\.bucket\.url|does not match pattern/);
  });

  it('passes receipt e-mail to the operator: SMTP_URL only from its Secret, the sender and the SMTP egress in the config', async () => {
    type Container = { env: { name: string; value?: string; valueFrom?: unknown }[] };
    const rendered = async (values: string) => {
      const { objects } = await render(['--values', values]);
      const configMap = find(objects, 'ConfigMap', 'cloudpos-operator-config') as KubeObject & {
        data: Record<string, string>;
      };
      const deployment = find(objects, 'Deployment') as KubeObject & {
        spec: { template: { spec: { containers: Container[] } } };
      };
      return {
        config: JSON.parse(configMap.data['config.json']!) as OperatorConfig,
        env: deployment.spec.template.spec.containers[0]!.env,
      };
    };
    const production = await rendered(join(chartDir, 'ci', 'production-values.yaml'));
    expect(production.config.mailFrom).toBe('Receipts <receipts@pos.example.com>');
    expect(production.config.egress.smtp).toEqual({ name: 'smtp', port: 587, cidr: '203.0.113.25/32' });
    // The URL may hold the relay's password: a Secret key, optional (without it receipts wait).
    expect(production.env.find((variable) => variable.name === 'SMTP_URL')).toEqual({
      name: 'SMTP_URL',
      valueFrom: { secretKeyRef: { name: 'cloudpos-operator', key: 'SMTP_URL', optional: true } },
    });
    expect(JSON.stringify(production.config)).not.toMatch(/smtps?:\/\//);

    // What the operator then builds for a tenant from that config: the worker's sender, egress to
    // the relay (the API server accepts these objects: reconcile.test.ts applies them).
    const smtpUrl = loadSmtpUrl({ SMTP_URL: 'smtp://relay:secret@203.0.113.25:587' })!;
    const tenantObjects = desiredObjects(tenantFixture('mailing'), production.config, {
      ...testCredentials,
      smtpUrl,
    });
    const built = (kind: string, name: string) =>
      JSON.stringify(tenantObjects.find((object) => object.kind === kind && object.metadata?.name === name));
    expect(built('Deployment', 'worker')).toContain(
      '{"name":"MAIL_FROM","value":"Receipts <receipts@pos.example.com>"}',
    );
    expect(built('NetworkPolicy', 'allow-egress')).toContain(
      '{"to":[{"ipBlock":{"cidr":"203.0.113.25/32"}}],"ports":[{"protocol":"TCP","port":587}]}',
    );

    // By default: neither a sender nor an SMTP target in the config.
    const defaults = await rendered(ciValues);
    expect(defaults.config.mailFrom).toBeUndefined();
    expect(defaults.config.egress.smtp).toBeUndefined();
  });

  it('ships Grafana dashboards whose queries use only metrics the processes export', async () => {
    const { objects } = await render(['--values', ciValues]);
    // Every dashboard in dashboards/ is checked: a new file must be added to DASHBOARDS.
    const files = (await readdir(join(chartDir, 'dashboards'))).filter((file) => file.endsWith('.json'));
    expect(files.sort()).toEqual(DASHBOARDS.map((dashboard) => dashboard.file).sort());

    for (const expected of DASHBOARDS) {
      const configMap = find(objects, 'ConfigMap', expected.configMap) as KubeObject & {
        data: Record<string, string>;
      };
      expect(configMap.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      expect(Object.keys(configMap.data)).toEqual([expected.file]);
      const dashboard = JSON.parse(configMap.data[expected.file]!) as Dashboard;
      expect(dashboard.uid).toBe(expected.file.replace(/\.json$/, ''));
      expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);

      const exported = await exportedSeries(processMetrics(expected.process).registry);
      const shared = await sharedSeries(expected.process);
      const used = new Set<string>();
      for (const { where, expr } of dashboardQueries(dashboard)) {
        const names = metricNames(expr);
        expect(names.length, `${expected.file} ${where}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect([...exported], `${expected.file} ${where}: ${name}`).toContain(name);
          used.add(name);
        }
        // A metric every process has (HTTP, Node) must be narrowed to this one.
        if (expected.narrowedBy)
          expect(unnarrowed(expr, shared, expected.narrowedBy), `${expected.file} ${where}`).toEqual([]);
      }
      for (const name of expected.uses) expect([...used], `${expected.file} uses ${name}`).toContain(name);
    }
  });

  it('ships alerts whose expressions use only metrics the processes export, each with a summary, description and runbook', async () => {
    const base = 'https://runbooks.example/cloudpos';
    const { objects } = await render([
      ...withAlerts,
      '--set',
      `metrics.prometheusRule.runbookBaseUrl=${base}`,
      '--set',
      'metrics.prometheusRule.alertLabels.team=pos',
    ]);
    const rule = find(objects, 'PrometheusRule', 'cloudpos-alerts') as PrometheusRule;
    expect(rule.metadata.namespace).toBe('cloudpos-system');
    expect(rule.spec.groups.map((group) => group.name)).toEqual(Object.keys(ALERT_GROUPS));

    const used = new Set<string>();
    const alerts: string[] = [];
    for (const group of rule.spec.groups) {
      const { process, narrowedBy, uses } = ALERT_GROUPS[group.name]!;
      const exported = await exportedSeries(processMetrics(process).registry);
      const shared = await sharedSeries(process);
      const usedHere = new Set<string>();
      for (const alert of group.rules) {
        alerts.push(alert.alert);
        const names = metricNames(alert.expr);
        expect(names.length, alert.expr).toBeGreaterThan(0);
        for (const name of names) {
          expect([...exported], `${alert.alert}: ${name}`).toContain(name);
          usedHere.add(name);
          used.add(name);
        }
        expect(unnarrowed(alert.expr, shared, narrowedBy), alert.alert).toEqual([]);
        expect(alert.for, alert.alert).toMatch(/^\d+[mh]$/);
        expect(['warning', 'critical'], alert.alert).toContain(alert.labels.severity);
        expect(alert.labels.team, alert.alert).toBe('pos');
        expect(alert.annotations.summary, alert.alert).toMatch(/\w/);
        expect(alert.annotations.description, alert.alert).toContain('{{ $labels.');
        expect(alert.annotations.runbook?.length ?? 0, alert.alert).toBeGreaterThan(100);
        expect(alert.annotations.runbook_url, alert.alert).toBe(`${base}#${alert.alert.toLowerCase()}`);
      }
      for (const name of uses) expect([...usedHere], `${group.name} uses ${name}`).toContain(name);
    }
    // runbook_url lands on a heading of docs/runbooks/alerts.md (GitHub's anchor: the name in lower case).
    const runbooks = await readFile(join(chartDir, '..', '..', 'docs', 'runbooks', 'alerts.md'), 'utf8');
    for (const alert of new Set(alerts)) expect(runbooks, alert).toContain(`\n## ${alert}\n`);
    expect(alerts).toEqual([
      'CloudPOSReconcileErrors',
      'CloudPOSTenantsNotReady',
      'CloudPOSOutboxRelayStalled',
      'CloudPOSOutboxBacklog',
      'CloudPOSOutboxRelayFailing',
      'CloudPOSPosApiErrorRate',
      'CloudPOSPosApiLatencyBudgetBurn',
      'CloudPOSPosApiLatencyBudgetBurn',
      'CloudPOSPosApiLatencyBudgetBurn',
      'CloudPOSPortalErrorRate',
    ]);

    // The latency SLO is a multi-window, multi-burn-rate alert: each tier needs its long and its
    // short window over budget (Google SRE Workbook, "Alerting on SLOs"; budget 1% by default).
    const burns = rule.spec.groups
      .flatMap((group) => group.rules)
      .filter((alert) => alert.alert === 'CloudPOSPosApiLatencyBudgetBurn');
    expect(
      burns.map((alert) => [alert.labels.long_window, alert.labels.short_window, alert.labels.severity]),
    ).toEqual([
      ['1h', '5m', 'critical'],
      ['6h', '30m', 'critical'],
      ['1d', '2h', 'warning'],
    ]);
    // Burn rates 14.4, 6 and 3 times the 1% budget, on both windows of each tier.
    const thresholds = ['0.144', '0.06', '0.03'];
    burns.forEach((alert, tier) => {
      for (const window of [alert.labels.long_window, alert.labels.short_window])
        expect(alert.expr).toContain(`le="0.5"}[${window}]`);
      expect(alert.expr.split(`) > ${thresholds[tier]}\n`)).toHaveLength(3);
    });
    // Its threshold must be one of the histogram's bucket bounds: the schema lists exactly those.
    const schema = JSON.parse(await readFile(join(chartDir, 'values.schema.json'), 'utf8')) as {
      properties: {
        metrics: {
          properties: {
            prometheusRule: {
              properties: { latencySlo: { properties: { thresholdSeconds: { enum: string[] } } } };
            };
          };
        };
      };
    };
    const histogram = createMetrics().httpRequestDuration;
    histogram.observe({ method: 'GET', route: '/', status_code: '200' }, 0.1);
    const bounds = (await histogram.get()).values
      .filter((value) => value.metricName?.endsWith('_bucket'))
      .map((value) => String((value.labels as Record<string, unknown>).le))
      .filter((le) => le !== '+Inf');
    expect(
      schema.properties.metrics.properties.prometheusRule.properties.latencySlo.properties.thresholdSeconds
        .enum,
    ).toEqual(bounds);
    const other = await helm([
      'template',
      'x',
      chartDir,
      '--values',
      ciValues,
      '--set',
      'metrics.prometheusRule.latencySlo.thresholdSeconds=0.3',
    ]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("at '/metrics/prometheusRule/latencySlo/thresholdSeconds'");

    // Without a base URL the inline runbook stays and no runbook_url is made up.
    const plain = await render([...withAlerts]);
    const plainRule = find(plain.objects, 'PrometheusRule') as PrometheusRule;
    for (const alert of plainRule.spec.groups.flatMap((group) => group.rules)) {
      expect(alert.annotations.runbook_url).toBeUndefined();
      expect(alert.annotations.runbook).toMatch(/\w/);
    }
    for (const name of [
      'controller_runtime_reconcile_errors_total',
      'cloudpos_tenants',
      'cloudpos_outbox_pending',
      'cloudpos_outbox_relay_failures_total',
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
    ])
      expect([...used], name).toContain(name);
  });

  it('passes promtool check rules (alerts and every dashboard query), and promtool test rules fires each alert when it should and only then', async () => {
    const work = await mkdtemp(join(tmpdir(), 'cloudpos-promtool-'));
    const promtool = (args: string[]) => runTool(inject('promtoolPath'), args);
    try {
      const { objects } = await render([...withAlerts]);
      const { groups } = (find(objects, 'PrometheusRule') as PrometheusRule).spec;
      await writeFile(join(work, 'alerts.yaml'), stringify({ groups }));
      const checked = await promtool([
        'check',
        'rules',
        '--lint=all',
        '--lint-fatal',
        join(work, 'alerts.yaml'),
      ]);
      expect(checked.code, checked.stdout + checked.stderr).toBe(0);
      expect(checked.stdout).toContain('SUCCESS: 10 rules found');

      // promtool does read the expressions: one bracket short is refused.
      await writeFile(
        join(work, 'broken.yaml'),
        stringify({ groups: [{ name: 'broken', rules: [{ alert: 'Broken', expr: 'sum(rate(x[5m])' }] }] }),
      );
      const broken = await promtool(['check', 'rules', join(work, 'broken.yaml')]);
      expect(broken.code).not.toBe(0);
      expect(broken.stderr).toContain('unclosed left parenthesis');

      // Each dashboard query, with Grafana's variables filled in, parsed as a recording rule.
      const dashboardGroups = [];
      for (const { file } of DASHBOARDS) {
        const dashboard = JSON.parse(await readFile(join(chartDir, 'dashboards', file), 'utf8')) as Dashboard;
        dashboardGroups.push({
          name: file,
          rules: dashboardQueries(dashboard).map(({ expr }, index) => ({
            record: `dashboard:query_${index}:check`,
            expr: expr
              .replaceAll('$__rate_interval', '2m')
              .replaceAll('$namespace', 'tenant-a')
              .replaceAll('$service', 'cloudpos-operator-metrics'),
          })),
        });
      }
      await writeFile(join(work, 'dashboards.yaml'), stringify({ groups: dashboardGroups }));
      const queries = await promtool(['check', 'rules', '--lint=none', join(work, 'dashboards.yaml')]);
      expect(queries.code, queries.stdout + queries.stderr).toBe(0);
      expect(queries.stdout).toMatch(/SUCCESS: \d+ rules found/);

      // The alerts against synthetic series (annotations left out: promtool would compare them whole).
      const bare = groups.map((group) => ({
        ...group,
        rules: group.rules.map(({ annotations: _annotations, ...rule }) => rule),
      }));
      await writeFile(join(work, 'alerts-bare.yaml'), stringify({ groups: bare }));
      await writeFile(join(work, 'alerts.test.yaml'), stringify(ALERT_UNIT_TESTS));
      const tested = await promtool(['test', 'rules', join(work, 'alerts.test.yaml')]);
      expect(tested.code, tested.stdout + tested.stderr).toBe(0);
      expect(tested.stdout).toContain('SUCCESS');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('finds the metric names in PromQL the way the dashboard and alert checks rely on', () => {
    expect(
      metricNames(
        'sum by (le) (rate(a_bucket{x="y", z=~"5.."}[5m])) / clamp_min(b, 1e-9) > 0.1 and on (n) c:d unless ignoring (k) topk(10, e offset 5m)',
      ),
    ).toEqual(['a_bucket', 'b', 'c:d', 'e']);
    expect(metricNames('histogram_quantile(0.99, sum without (pod) (rate(x[$__rate_interval])))')).toEqual([
      'x',
    ]);
    expect(
      unnarrowed('a{container="pos-api"} / b{y="z"} + c', new Set(['a', 'b', 'c']), 'container="pos-api"'),
    ).toEqual(['b', 'c']);
  });

  it('creates a ServiceMonitor, a PodMonitor and a PrometheusRule only when asked and only where the Prometheus Operator API exists', async () => {
    const kinds = async (args: string[]) =>
      (await render(['--values', ciValues, ...args])).objects.map((object) => object.kind);
    const monitoring = ['--api-versions', 'monitoring.coreos.com/v1'];
    const enabled = [
      '--set',
      'metrics.serviceMonitor.enabled=true',
      '--set',
      'metrics.podMonitor.enabled=true',
      '--set',
      'metrics.prometheusRule.enabled=true',
    ];
    expect(await kinds(monitoring)).not.toContain('ServiceMonitor');
    expect(await kinds(monitoring)).not.toContain('PodMonitor');
    expect(await kinds(enabled)).not.toContain('PodMonitor');
    expect(await kinds(monitoring)).not.toContain('PrometheusRule');
    expect(await kinds(enabled)).not.toContain('ServiceMonitor');
    expect(await kinds(enabled)).not.toContain('PrometheusRule');
    expect(await kinds([...enabled, ...monitoring])).toEqual(
      expect.arrayContaining(['ServiceMonitor', 'PodMonitor', 'PrometheusRule']),
    );
    // The test API server starts without the Prometheus Operator's CRDs (the next test installs and
    // removes them): an install there renders neither. (The CRD belongs to one release per cluster;
    // a second release leaves it out.)
    const dryRun = await helm([
      'install',
      `monitor-${suffix}`,
      chartDir,
      '--dry-run=server',
      '--namespace',
      'default',
      '--values',
      ciValues,
      ...enabled,
      '--set',
      'crds.install=false',
    ]);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).not.toContain('kind: ServiceMonitor');
    expect(dryRun.stdout).not.toContain('kind: PrometheusRule');
    expect(dryRun.stdout).toContain('no ServiceMonitor was created');
    expect(dryRun.stdout).toContain('no PrometheusRule was created');
    expect(dryRun.stdout).toContain('no PodMonitor was created');
    // Without config.monitoring the tenants' NetworkPolicy would keep Prometheus out: said so.
    expect(dryRun.stdout).toContain('config.monitoring does not say where Prometheus runs');
  });

  it("installs the ServiceMonitor, PodMonitor and PrometheusRule where the Prometheus Operator's CRDs are, which validate them", async () => {
    const namespace = `chart-monitoring-${suffix}`;
    const release = `mon-${suffix}`;
    const crds = inject('monitoringCrdsPath');
    const values = [
      '--values',
      ciValues,
      '--set',
      'crds.install=false',
      '--set',
      'metrics.serviceMonitor.enabled=true',
      '--set',
      'metrics.prometheusRule.enabled=true',
      '--set',
      'metrics.podMonitor.enabled=true',
      '--set',
      'config.monitoring.namespace=monitoring',
    ];
    try {
      // The CRDs of the release ensure-tools fetched from the Go module proxy.
      await installThirdPartyCrds(crds, [
        'servicemonitors.monitoring.coreos.com',
        'podmonitors.monitoring.coreos.com',
        'prometheusrules.monitoring.coreos.com',
      ]);
      await createNamespace(namespace);

      // No --api-versions: helm finds monitoring.coreos.com/v1 in the server's discovery.
      const installed = await helm(['install', release, chartDir, '--namespace', namespace, ...values]);
      expect(installed.code, installed.stderr).toBe(0);
      expect(installed.stdout).not.toContain('was created');

      // The server stored what was rendered: a structural schema would have pruned unknown
      // fields without a word, so compare the specs.
      const { objects } = await render(
        [...values, '--api-versions', 'monitoring.coreos.com/v1'],
        release,
        namespace,
      );
      const fullname = `${release}-cloudpos`;
      type WithSpec = KubeObject & { spec: unknown };
      const storedRule = await getJson<WithSpec>(['prometheusrule', `${fullname}-alerts`, '-n', namespace]);
      expect(storedRule.spec).toEqual((find(objects, 'PrometheusRule') as WithSpec).spec);
      const storedMonitor = await getJson<WithSpec>([
        'servicemonitor',
        `${fullname}-operator`,
        '-n',
        namespace,
      ]);
      expect(storedMonitor.spec).toEqual((find(objects, 'ServiceMonitor') as WithSpec).spec);
      // Every tenant's POS API and worker, in any namespace, on their metrics ports.
      const podMonitor = find(objects, 'PodMonitor') as WithSpec;
      expect(podMonitor.spec).toMatchObject({
        namespaceSelector: { any: true },
        selector: { matchLabels: { 'app.kubernetes.io/managed-by': 'cloudpos-operator' } },
        podMetricsEndpoints: [
          { port: 'http', path: '/metrics' },
          { port: 'metrics', path: '/metrics' },
        ],
      });
      const storedPodMonitor = await getJson<WithSpec>([
        'podmonitor',
        `${fullname}-tenants`,
        '-n',
        namespace,
      ]);
      expect(storedPodMonitor.spec).toEqual(podMonitor.spec);

      // And it does validate: a duration Prometheus could not read is refused.
      const broken = structuredClone(find(objects, 'PrometheusRule')) as PrometheusRule;
      broken.spec.groups[0]!.rules[0]!.for = '15 minutes';
      const refused = await kubectl(['apply', '--dry-run=server', '-f', '-'], stringify(broken));
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('spec.groups[0].rules[0].for');
    } finally {
      await helm(['uninstall', release, '--namespace', namespace, '--ignore-not-found']);
      await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
      // Back to an API server without the Prometheus Operator, as the test above expects.
      await kubectl(['delete', '-f', crds, '--ignore-not-found']);
    }
  });

  it("installs values-production.yaml's CloudNativePG Cluster where CloudNativePG's CRD is, which validates it, and hands the operator every database cluster", async () => {
    const production = join(chartDir, 'values-production.yaml');
    const linted = await helm(['lint', '--strict', chartDir, '--values', production]);
    expect(linted.code, `${linted.stdout}${linted.stderr}`).toBe(0);
    const namespace = `chart-cnpg-${suffix}`;
    const release = `cnpg-${suffix}`;
    const crds = inject('cnpgCrdsPath');
    const values = ['--values', production, '--set', 'crds.install=false'];

    // Without CloudNativePG's API the Cluster is left out, and the release says so.
    const without = await helm([
      'install',
      release,
      chartDir,
      '--dry-run=server',
      '-n',
      'default',
      ...values,
    ]);
    expect(without.code, without.stderr).toBe(0);
    expect(without.stdout).not.toContain('kind: Cluster\n');
    expect(without.stdout).toContain('so no PostgreSQL Cluster was created');

    try {
      // CloudNativePG's own CRD, of the release ensure-tools fetched from the Go module proxy.
      await installThirdPartyCrds(crds, ['clusters.postgresql.cnpg.io']);
      await createNamespace(namespace);
      const installed = await helm(['install', release, chartDir, '-n', namespace, ...values]);
      expect(installed.code, installed.stderr).toBe(0);

      // The server stored what was rendered (a structural schema prunes unknown fields silently).
      const { objects } = await render(
        [...values, '--api-versions', 'postgresql.cnpg.io/v1'],
        release,
        namespace,
      );
      type WithSpec = KubeObject & { spec: Record<string, unknown> };
      const rendered = find(objects, 'Cluster', 'cloudpos-db') as WithSpec;
      const stored = await getJson<WithSpec>(['clusters.postgresql.cnpg.io', 'cloudpos-db', '-n', namespace]);
      expect(stored.spec).toMatchObject(rendered.spec);
      expect(stored.spec).toMatchObject({ instances: 3, enableSuperuserAccess: true });
      // And it validates: CloudNativePG's schema refuses a Cluster without instances.
      const broken = structuredClone(rendered);
      broken.spec.instances = 0;
      const refused = await kubectl(['apply', '--dry-run=server', '-f', '-'], stringify(broken));
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('spec.instances');

      // The operator gets both clusters: the config lists them, each admin URL comes from its own
      // Secret (CloudNativePG's superuser Secret for the chart's Cluster), and the operator's own
      // loader accepts exactly that.
      const configMap = find(objects, 'ConfigMap', `${release}-cloudpos-operator-config`) as KubeObject & {
        data: Record<string, string>;
      };
      const config = JSON.parse(configMap.data['config.json']!) as OperatorConfig;
      expect(config).toMatchObject({ placement: 'FewestTenants', defaultDatabaseCluster: 'cloudpos-db' });
      expect(config.databaseClusters).toEqual([
        {
          name: 'cloudpos-db',
          host: `cloudpos-db-rw.${namespace}.svc`,
          port: 5432,
          database: 'cloudpos',
          egress: {
            name: 'postgres-cloudpos-db',
            port: 5432,
            namespace,
            podLabels: { 'cnpg.io/cluster': 'cloudpos-db' },
          },
        },
        expect.objectContaining({ name: 'cloudpos-db-2', host: 'cloudpos-db-2-rw.cloudpos-system.svc' }),
      ]);
      const container = (
        find(objects, 'Deployment') as KubeObject & {
          spec: { template: { spec: { containers: { env: unknown[] }[] } } };
        }
      ).spec.template.spec.containers[0]!;
      expect(container.env).toEqual(
        expect.arrayContaining([
          {
            name: 'DATABASE_URL_CLOUDPOS_DB',
            valueFrom: { secretKeyRef: { name: 'cloudpos-db-superuser', key: 'uri' } },
          },
          {
            name: 'DATABASE_URL_CLOUDPOS_DB_2',
            valueFrom: { secretKeyRef: { name: 'cloudpos-db-2-superuser', key: 'uri' } },
          },
        ]),
      );
      const access = loadDatabaseClusters(config, {
        DATABASE_URL_CLOUDPOS_DB: `postgresql://postgres:x@cloudpos-db-rw.${namespace}:5432/*`,
        DATABASE_URL_CLOUDPOS_DB_2: 'postgresql://postgres:y@cloudpos-db-2-rw.cloudpos-system:5432/*',
      });
      expect(access.map((cluster) => cluster.adminUrl)).toEqual([
        `postgresql://postgres:x@cloudpos-db-rw.${namespace}:5432/cloudpos`,
        'postgresql://postgres:y@cloudpos-db-2-rw.cloudpos-system:5432/cloudpos',
      ]);
    } finally {
      await helm(['uninstall', release, '--namespace', namespace, '--ignore-not-found']);
      // The Cluster is kept by the release (helm.sh/resource-policy: keep): tests remove it by hand.
      await kubectl([
        'delete',
        'clusters.postgresql.cnpg.io',
        '--all',
        '-n',
        namespace,
        '--ignore-not-found',
      ]);
      await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']);
      await kubectl(['delete', '-f', crds, '--ignore-not-found']);
    }
  });

  it('locks egress down to the API server and the OperatorConfig targets when asked', async () => {
    const { objects } = await render(['--values', join(chartDir, 'ci', 'production-values.yaml')]);
    const policy = find(objects, 'NetworkPolicy') as KubeObject & {
      spec: {
        policyTypes: string[];
        egress: { to: unknown[]; ports: { port: number; protocol: string }[] }[];
      };
    };
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 443, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ port: 6443, protocol: 'TCP' }] },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: 53, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
      },
      { to: [{ ipBlock: { cidr: '10.20.0.10/32' } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nats' } } }],
        ports: [{ port: 4222, protocol: 'TCP' }],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }],
        ports: [{ port: 4318, protocol: 'TCP' }],
      },
    ]);
  });
});
