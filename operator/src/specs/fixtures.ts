// Test fixtures shared by the builder tests: an operator configuration and Tenants per plan.
import type { OperatorConfig } from '../config.ts';
import type { Tenant, TenantSpec } from '../generated/tenant.ts';

export const testConfig: OperatorConfig = {
  image: 'registry.example/cloudpos/pos:1.0.0',
  imagePullPolicy: 'IfNotPresent',
  baseDomain: 'pos.example.com',
  ingressClassName: 'nginx',
  clusterIssuer: 'letsencrypt',
  ingressNamespace: 'ingress-nginx',
  egress: {
    dns: { name: 'dns', port: 53, namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } },
    postgres: { name: 'postgres', port: 5432, cidr: '10.20.0.10/32' },
    nats: { name: 'nats', port: 4222, namespace: 'nats' },
    redis: { name: 'redis', port: 6379, namespace: 'redis' },
    otelCollector: { name: 'otel', port: 4317, namespace: 'observability' },
  },
  endpoints: {
    postgresHost: '10.20.0.10',
    postgresPort: 5432,
    postgresDatabase: 'cloudpos',
    natsUrl: 'nats://nats.nats.svc:4222',
    redisUrl: 'redis://redis.redis.svc:6379',
    otlpEndpoint: 'http://otel-collector.observability.svc:4318',
  },
};

/** The test configuration pointed at a real test database. */
export function testConfigFor(databaseUrl: string): OperatorConfig {
  const url = new URL(databaseUrl);
  return {
    ...testConfig,
    endpoints: {
      ...testConfig.endpoints,
      postgresHost: url.hostname,
      postgresPort: Number(url.port),
      postgresDatabase: url.pathname.slice(1),
    },
  };
}

/** A Tenant as a person would write it: the required fields only, so the API server's defaults apply. */
export function tenantManifest(
  slug: string,
  spec: Partial<TenantSpec> = {},
  metadata: Tenant['metadata'] = {},
): Tenant {
  return {
    apiVersion: 'cloudpos.io/v1alpha1',
    kind: 'Tenant',
    metadata: { ...metadata, name: slug },
    spec: {
      slug,
      displayName: `Shop ${slug}`,
      plan: 'starter',
      owner: { name: 'Owner', email: 'owner@example.com' },
      currency: 'EUR',
      ...spec,
    },
  };
}

export function tenantFixture(
  slug: string,
  spec: Partial<TenantSpec> = {},
  uid = '00000000-0000-4000-8000-000000000001',
): Tenant {
  return tenantManifest(
    slug,
    { timezone: 'Europe/Berlin', locale: 'de-DE', suspended: false, deletionPolicy: 'Retain', ...spec },
    { uid, generation: 1 },
  );
}

export const testCredentials = {
  databaseCluster: 'default',
  databaseRole: 'tenant_acme',
  databasePassword: 'not-a-real-password',
  schema: 'tenant_acme',
  natsCredentials: '-----BEGIN NATS USER JWT-----\nfake\n------END NATS USER JWT------\n',
  authSecret: 'not-a-real-auth-secret-but-long-enough-0123456789',
  pinPeppers: 'v1:bm90LWEtcmVhbC1waW4tcGVwcGVyLWJ1dC0zMi1ieXRlcw==',
  redis: { username: 'tenant-acme', password: 'not-a-real-redis-password' },
};
