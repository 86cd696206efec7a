// The tenant's running parts: settings, credentials, the POS API and the worker, and how traffic
// and disruption reach them (Service, Ingress, PodDisruptionBudget, HorizontalPodAutoscaler).
import type {
  V1ConfigMap,
  V1Container,
  V1Deployment,
  V2HorizontalPodAutoscaler,
  V1Ingress,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import { databaseClusterNamed, TENANT_ENTRY_POINTS, type OperatorConfig } from '../config.ts';
import { tenantRedisUrl, type TenantRedisUser } from '../provision/redis.ts';
import type { Tenant } from '../generated/tenant.ts';
import { objectMeta, tenantLabels } from './metadata.ts';
import { SERVICE_ACCOUNT, SETTINGS_CONFIGMAP } from './namespace.ts';
import { PLANS } from './plans.ts';

export const CREDENTIALS_SECRET = 'tenant-credentials';
export const API_PORT = 8080;
/** The worker serves /healthz and /metrics here (its METRICS_PORT default). */
export const WORKER_METRICS_PORT = 9090;

export interface TenantCredentials {
  /** The database cluster the tenant was placed on (config.databaseClusters): its DATABASE_URL's host. */
  databaseCluster: string;
  databaseRole: string;
  databasePassword: string;
  schema: string;
  /** NATS user credentials file content (JWT + seed), or a user/password pair's URL. */
  natsCredentials: string;
  /** Signs the tenant's staff tokens (the POS API's AUTH_SECRET). */
  authSecret: string;
  /** Peppers the tenant's PIN hashes (the POS API's PIN_PEPPERS); only the POS API gets it. */
  pinPeppers: string;
  /** The tenant's Redis ACL user (provision/redis.ts), which reaches only its key prefix. */
  redis: TenantRedisUser;
  /**
   * The tenant's own key for portal tokens (ADR 0015), derived from the platform's
   * PORTAL_TOKEN_SECRET: its POS API then accepts the portal acting for a merchant's user, and
   * holds nothing that could mint tokens for another tenant. Absent: portal tokens are refused.
   */
  portalTokenKey?: string;
  /**
   * The platform's SMTP server (the operator's SMTP_URL), which the worker sends receipt e-mails
   * through. Absent: the worker has no SMTP settings and receipts stay queued.
   */
  smtpUrl?: string;
}

/** What the tenant's pods do besides serving and relaying, decided by the operator's environment. */
export interface WorkloadOptions {
  /** The worker sends receipt e-mails (the operator has SMTP_URL, in the tenant's Secret). */
  sendsMail: boolean;
}

/** The worker's MAIL_FROM: config.mailFrom, else an address of the tenants' own domain. */
export const mailFromOf = (config: OperatorConfig) =>
  config.mailFrom ?? `CloudPOS receipts <receipts@${config.baseDomain}>`;

export function tenantUrl(tenant: Tenant, config: OperatorConfig): string {
  return `https://${tenant.spec.slug}.${config.baseDomain}`;
}

export function buildSettings(tenant: Tenant): V1ConfigMap {
  const { spec } = tenant;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: objectMeta(tenant, SETTINGS_CONFIGMAP),
    data: {
      TENANT_SLUG: spec.slug,
      TENANT_DISPLAY_NAME: spec.displayName,
      TENANT_PLAN: spec.plan,
      TENANT_CURRENCY: spec.currency,
      TENANT_TIMEZONE: spec.timezone ?? 'UTC',
      TENANT_LOCALE: spec.locale ?? 'en-US',
      TENANT_READ_ONLY: String(spec.suspended ?? false),
      'stores.json': JSON.stringify(spec.stores ?? []),
      'features.json': JSON.stringify(spec.features ?? {}),
    },
  };
}

export function buildCredentialsSecret(
  tenant: Tenant,
  config: OperatorConfig,
  credentials: TenantCredentials,
): V1Secret {
  const { host, port, database } = databaseClusterNamed(config, credentials.databaseCluster);
  const databaseUrl = `postgres://${encodeURIComponent(credentials.databaseRole)}:${encodeURIComponent(credentials.databasePassword)}@${host}:${port}/${encodeURIComponent(database)}`;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(tenant, CREDENTIALS_SECRET),
    type: 'Opaque',
    stringData: {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: credentials.schema,
      'nats.creds': credentials.natsCredentials,
      AUTH_SECRET: credentials.authSecret,
      PIN_PEPPERS: credentials.pinPeppers,
      REDIS_URL: tenantRedisUrl(config.endpoints.redisUrl, credentials.redis),
      ...(credentials.portalTokenKey ? { PORTAL_TOKEN_KEY: credentials.portalTokenKey } : {}),
      // Here rather than in a Secret of its own: the worker already reads this one, the Deployment
      // names only the keys each container needs (the POS API never sees it), and the unchanged
      // reconcile compares one Secret per tenant, not two. A platform-wide URL copied into every
      // tenant's namespace, like the endpoints: only the operator's own Secret holds the source.
      ...(credentials.smtpUrl ? { SMTP_URL: credentials.smtpUrl } : {}),
    },
  };
}

function container(
  tenant: Tenant,
  config: OperatorConfig,
  options: WorkloadOptions,
  name: string,
  args: string[],
): V1Container {
  const { container: resources } = PLANS[tenant.spec.plan];
  return {
    name,
    image: name === 'worker' ? (config.workerImage ?? config.image) : config.image,
    imagePullPolicy: config.imagePullPolicy,
    args,
    ports:
      name === 'pos-api'
        ? [{ name: 'http', containerPort: API_PORT, protocol: 'TCP' }]
        : [{ name: 'metrics', containerPort: WORKER_METRICS_PORT, protocol: 'TCP' }],
    envFrom: [{ configMapRef: { name: SETTINGS_CONFIGMAP } }],
    env: [
      {
        name: 'DATABASE_URL',
        valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: 'DATABASE_URL' } },
      },
      {
        name: 'AUTH_SECRET',
        valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: 'AUTH_SECRET' } },
      },
      ...(name === 'pos-api'
        ? [
            {
              name: 'PIN_PEPPERS',
              valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: 'PIN_PEPPERS' } },
            },
            {
              name: 'PORTAL_TOKEN_KEY',
              valueFrom: {
                secretKeyRef: { name: CREDENTIALS_SECRET, key: 'PORTAL_TOKEN_KEY', optional: true },
              },
            },
          ]
        : []),
      // Receipt e-mails go out from the worker only (services/worker/src/receipt-mail.ts).
      ...(name === 'worker' && options.sendsMail
        ? [
            {
              name: 'SMTP_URL',
              valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: 'SMTP_URL' } },
            },
            { name: 'MAIL_FROM', value: mailFromOf(config) },
          ]
        : []),
      { name: 'BASE_DOMAIN', value: config.baseDomain },
      { name: 'NATS_URL', value: config.endpoints.natsUrl },
      { name: 'NATS_CREDS_FILE', value: '/var/run/cloudpos/nats/nats.creds' },
      {
        name: 'REDIS_URL',
        valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: 'REDIS_URL' } },
      },
      ...(config.trustedProxies?.length
        ? [{ name: 'TRUST_PROXY', value: config.trustedProxies.join(',') }]
        : []),
      { name: 'PORT', value: String(API_PORT) },
      { name: 'OTEL_SERVICE_NAME', value: name },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `cloudpos.tenant=${tenant.spec.slug}` },
      ...(config.endpoints.otlpEndpoint
        ? [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: config.endpoints.otlpEndpoint }]
        : []),
    ],
    resources: { requests: resources.requests, limits: resources.limits },
    volumeMounts: [
      { name: 'nats-credentials', mountPath: '/var/run/cloudpos/nats', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    ...(name === 'pos-api'
      ? {
          readinessProbe: {
            httpGet: { path: '/readyz', port: 'http' },
            periodSeconds: 5,
            failureThreshold: 3,
          },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'http' },
            periodSeconds: 10,
            failureThreshold: 3,
          },
          startupProbe: {
            httpGet: { path: '/healthz', port: 'http' },
            periodSeconds: 2,
            failureThreshold: 30,
          },
        }
      : {
          // The worker's /healthz is 503 while a relay pass has not ended for 120 s (a wedged
          // connection): the kubelet then restarts it. It serves no traffic; ready means alive.
          readinessProbe: {
            httpGet: { path: '/healthz', port: 'metrics' },
            periodSeconds: 10,
            failureThreshold: 3,
          },
          livenessProbe: {
            httpGet: { path: '/healthz', port: 'metrics' },
            periodSeconds: 10,
            failureThreshold: 3,
          },
        }),
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

function deployment(
  tenant: Tenant,
  config: OperatorConfig,
  options: WorkloadOptions,
  name: string,
  replicas: number,
  args: string[],
): V1Deployment {
  const selector = { 'app.kubernetes.io/name': name, 'cloudpos.io/tenant': tenant.spec.slug };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: objectMeta(tenant, name, name),
    spec: {
      replicas: tenant.spec.suspended ? 0 : replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...tenantLabels(tenant, name), ...selector } },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          terminationGracePeriodSeconds: 30,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            },
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            },
          ],
          containers: [container(tenant, config, options, name, args)],
          volumes: [
            {
              name: 'nats-credentials',
              secret: { secretName: CREDENTIALS_SECRET, items: [{ key: 'nats.creds', path: 'nats.creds' }] },
            },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

export function buildDeployments(
  tenant: Tenant,
  config: OperatorConfig,
  options: WorkloadOptions,
): V1Deployment[] {
  const plan = PLANS[tenant.spec.plan];
  return [
    deployment(tenant, config, options, 'pos-api', plan.autoscaling?.minReplicas ?? plan.apiReplicas, [
      TENANT_ENTRY_POINTS['pos-api'],
    ]),
    deployment(tenant, config, options, 'worker', plan.workerReplicas, [TENANT_ENTRY_POINTS.worker]),
  ];
}

export function buildService(tenant: Tenant): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(tenant, 'pos-api', 'pos-api'),
    spec: {
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'pos-api', 'cloudpos.io/tenant': tenant.spec.slug },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

export function buildIngress(tenant: Tenant, config: OperatorConfig): V1Ingress {
  const host = `${tenant.spec.slug}.${config.baseDomain}`;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...objectMeta(tenant, 'pos-api', 'pos-api'),
      annotations: { 'cert-manager.io/cluster-issuer': config.clusterIssuer },
    },
    spec: {
      ingressClassName: config.ingressClassName,
      tls: [{ hosts: [host], secretName: `${tenant.spec.slug}-tls` }],
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'pos-api', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export function buildDisruptionBudget(tenant: Tenant): V1PodDisruptionBudget {
  const plan = PLANS[tenant.spec.plan];
  const replicas = plan.autoscaling?.minReplicas ?? plan.apiReplicas;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: objectMeta(tenant, 'pos-api', 'pos-api'),
    spec: {
      // One replica cannot promise availability without blocking node drains forever.
      ...(replicas > 1 ? { minAvailable: replicas - 1 } : { maxUnavailable: 1 }),
      selector: {
        matchLabels: { 'app.kubernetes.io/name': 'pos-api', 'cloudpos.io/tenant': tenant.spec.slug },
      },
    },
  };
}

/** Only on plans with autoscaling, and never while suspended (it would scale back up from zero). */
export function buildAutoscaler(tenant: Tenant): V2HorizontalPodAutoscaler | undefined {
  const { autoscaling } = PLANS[tenant.spec.plan];
  if (!autoscaling || tenant.spec.suspended) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: objectMeta(tenant, 'pos-api', 'pos-api'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'pos-api' },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: autoscaling.targetCpuPercent },
          },
        },
      ],
    },
  };
}
