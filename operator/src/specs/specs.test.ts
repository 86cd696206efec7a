// Table tests of the pure builders: what each plan and state produces.
import type {
  KubernetesObject,
  V1Deployment,
  V1Ingress,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1ResourceQuota,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { OperatorConfig } from '../config.ts';
import { testConfig, testCredentials, tenantFixture } from './fixtures.ts';
import { OWNED_KINDS } from '../controller/watch.ts';
import { desiredObjects, tenantUrl } from './index.ts';

const find = <T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name)) as T | undefined;

describe('desiredObjects', () => {
  const tenant = tenantFixture('acme');
  const objects = desiredObjects(tenant, testConfig, testCredentials);

  it('puts every namespaced object in tenant-<slug>, labelled and owned by the Tenant', () => {
    for (const object of objects) {
      if (object.kind !== 'Namespace') expect(object.metadata?.namespace, object.kind).toBe('tenant-acme');
      expect(object.metadata?.labels?.['cloudpos.io/tenant']).toBe('acme');
      expect(object.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('cloudpos-operator');
      expect(object.metadata?.ownerReferences).toEqual([
        {
          apiVersion: 'cloudpos.io/v1alpha1',
          kind: 'Tenant',
          name: 'acme',
          uid: tenant.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  it('builds only kinds the operator caches (its informers watch every owned kind)', () => {
    const owned = new Set(OWNED_KINDS.map((kind) => `${kind.apiVersion}/${kind.kind}`));
    for (const plan of ['starter', 'growth', 'scale'] as const) {
      for (const object of desiredObjects(tenantFixture('shop', { plan }), testConfig, testCredentials))
        expect(owned, `${object.apiVersion}/${object.kind}`).toContain(`${object.apiVersion}/${object.kind}`);
    }
  });

  it('enforces Pod Security "restricted" on the namespace', () => {
    expect(find(objects, 'Namespace')?.metadata?.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('runs containers that satisfy the restricted profile', () => {
    for (const deployment of objects.filter((o) => o.kind === 'Deployment') as V1Deployment[]) {
      const pod = deployment.spec!.template.spec!;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources?.requests).toBeDefined();
        expect(container.resources?.limits).toBeDefined();
      }
      expect(pod.topologySpreadConstraints?.map((c) => c.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
    }
  });

  it('probes the POS API on /healthz and /readyz, and the worker on the /healthz that reports a stalled relay', () => {
    const api = find<V1Deployment>(objects, 'Deployment', 'pos-api')!.spec!.template.spec!.containers[0]!;
    expect(api.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(api.livenessProbe?.httpGet?.path).toBe('/healthz');
    const worker = find<V1Deployment>(objects, 'Deployment', 'worker')!.spec!.template.spec!.containers[0]!;
    expect(worker.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(worker.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    // Only the POS API reads the tenant's portal-token key, and only if the Secret has one.
    expect(
      api.env?.find((variable) => variable.name === 'PORTAL_TOKEN_KEY')?.valueFrom?.secretKeyRef,
    ).toEqual({
      name: 'tenant-credentials',
      key: 'PORTAL_TOKEN_KEY',
      optional: true,
    });
    expect(worker.env?.some((variable) => variable.name === 'PORTAL_TOKEN_KEY')).toBe(false);
    // Every probe names a port the container declares.
    for (const container of [api, worker]) {
      const ports = new Set(container.ports?.map((port) => port.name));
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        if (probe) expect(ports.has(String(probe.httpGet?.port))).toBe(true);
      }
    }
  });

  it('serves the till at https://<slug>.<baseDomain> with a cert-manager certificate', () => {
    const ingress = find<V1Ingress>(objects, 'Ingress')!;
    expect(ingress.spec?.rules?.[0]?.host).toBe('acme.pos.example.com');
    expect(ingress.spec?.tls).toEqual([{ hosts: ['acme.pos.example.com'], secretName: 'acme-tls' }]);
    expect(ingress.metadata?.annotations?.['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    expect(tenantUrl(tenant, testConfig)).toBe('https://acme.pos.example.com');
  });

  it('denies all traffic but ingress from the controller and the namespace, and egress to DNS and infrastructure', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as V1NetworkPolicy[];
    expect(policies.map((p) => p.metadata?.name)).toEqual(['default-deny', 'allow-ingress', 'allow-egress']);
    expect(policies[0]!.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(policies[1]!.spec?.ingress?.[0]?._from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { podSelector: {} },
    ]);
    const egressPorts = policies[2]!.spec?.egress?.flatMap(
      (rule) => rule.ports?.map((p) => `${p.protocol}/${p.port}`) ?? [],
    );
    // NATS: the client port only, never the monitoring port (8222), which lists every account's connections.
    expect(egressPorts).toEqual(['UDP/53', 'TCP/53', 'TCP/5432', 'TCP/4222', 'TCP/6379', 'TCP/4317']);
    expect(policies[2]!.spec?.egress?.[1]?.to).toEqual([{ ipBlock: { cidr: '10.20.0.10/32' } }]);
    // Nothing else comes in: no monitoring is configured.
    expect(policies[1]!.spec?.ingress).toHaveLength(1);
  });

  it('admits Prometheus, where the config says it runs, on the metrics ports only', () => {
    const monitored = desiredObjects(
      tenant,
      {
        ...testConfig,
        monitoring: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      },
      testCredentials,
    );
    const ingress = find<V1NetworkPolicy>(monitored, 'NetworkPolicy', 'allow-ingress')?.spec?.ingress ?? [];
    expect(ingress[1]).toEqual({
      _from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ],
      ports: [
        { protocol: 'TCP', port: 8080 },
        { protocol: 'TCP', port: 9090 },
      ],
    });
    // Those are the ports the containers expose: the POS API's `http`, the worker's `metrics`.
    const ports = monitored
      .filter((object): object is V1Deployment => object.kind === 'Deployment')
      .flatMap((deployment) => deployment.spec?.template.spec?.containers[0]?.ports ?? []);
    expect(ports.map((port) => `${port.name}/${port.containerPort}`).sort()).toEqual([
      'http/8080',
      'metrics/9090',
    ]);
  });

  it('keeps the database password in a Secret, never in the settings ConfigMap', () => {
    const secret = find(objects, 'Secret') as { stringData: Record<string, string> } & KubernetesObject;
    expect(secret.stringData.DATABASE_URL).toBe(
      'postgres://tenant_acme:not-a-real-password@10.20.0.10:5432/cloudpos',
    );
    expect(JSON.stringify(find(objects, 'ConfigMap'))).not.toContain('not-a-real-password');
  });

  it('gives the POS API its staff-token secret from the Secret, and its base domain', () => {
    const secret = find(objects, 'Secret') as { stringData: Record<string, string> } & KubernetesObject;
    expect(secret.stringData.AUTH_SECRET).toBe(testCredentials.authSecret);
    const env = find<V1Deployment>(objects, 'Deployment', 'pos-api')?.spec?.template.spec?.containers[0]?.env;
    expect(env?.find((variable) => variable.name === 'AUTH_SECRET')?.valueFrom?.secretKeyRef).toEqual({
      name: 'tenant-credentials',
      key: 'AUTH_SECRET',
    });
    expect(env?.find((variable) => variable.name === 'BASE_DOMAIN')?.value).toBe('pos.example.com');
    expect(JSON.stringify(find(objects, 'ConfigMap'))).not.toContain(testCredentials.authSecret);
  });

  it('gives the PIN pepper from the Secret to the POS API only', () => {
    const secret = find(objects, 'Secret') as { stringData: Record<string, string> } & KubernetesObject;
    expect(secret.stringData.PIN_PEPPERS).toBe(testCredentials.pinPeppers);
    const envOf = (name: string) =>
      find<V1Deployment>(objects, 'Deployment', name)?.spec?.template.spec?.containers[0]?.env ?? [];
    expect(
      envOf('pos-api').find((variable) => variable.name === 'PIN_PEPPERS')?.valueFrom?.secretKeyRef,
    ).toEqual({
      name: 'tenant-credentials',
      key: 'PIN_PEPPERS',
    });
    expect(envOf('worker').map((variable) => variable.name)).not.toContain('PIN_PEPPERS');
    expect(JSON.stringify(find(objects, 'ConfigMap'))).not.toContain(testCredentials.pinPeppers);
  });

  it('connects the pods to Redis as the tenant’s own ACL user, from the Secret', () => {
    const secret = find(objects, 'Secret') as { stringData: Record<string, string> } & KubernetesObject;
    expect(secret.stringData.REDIS_URL).toBe(
      'redis://tenant-acme:not-a-real-redis-password@redis.redis.svc:6379',
    );
    for (const name of ['pos-api', 'worker']) {
      const env = find<V1Deployment>(objects, 'Deployment', name)?.spec?.template.spec?.containers[0]?.env;
      expect(env?.find((variable) => variable.name === 'REDIS_URL')).toEqual({
        name: 'REDIS_URL',
        valueFrom: { secretKeyRef: { name: 'tenant-credentials', key: 'REDIS_URL' } },
      });
    }
    expect(JSON.stringify(objects.filter((object) => object.kind !== 'Secret'))).not.toContain(
      'not-a-real-redis-password',
    );
  });

  it('runs the POS API and the worker from their images, each starting its own file', () => {
    const containerOf = (config: OperatorConfig, name: string) =>
      find<V1Deployment>(desiredObjects(tenant, config, testCredentials), 'Deployment', name)?.spec?.template
        .spec?.containers[0];
    // Without a worker image, the POS API's image runs both (it holds every service).
    expect(containerOf(testConfig, 'worker')?.image).toBe(testConfig.image);
    const config = { ...testConfig, workerImage: 'registry.example/cloudpos/worker:1.0.0' };
    expect(containerOf(config, 'pos-api')).toMatchObject({
      image: testConfig.image,
      args: ['services/pos-api/src/server.js'],
    });
    expect(containerOf(config, 'worker')).toMatchObject({
      image: 'registry.example/cloudpos/worker:1.0.0',
      args: ['services/worker/src/main.js'],
    });
  });

  it('sends receipt e-mails from the worker only: SMTP_URL from the Secret, MAIL_FROM, and egress to the relay', () => {
    const config: OperatorConfig = {
      ...testConfig,
      mailFrom: 'Receipts <receipts@pos.example.com>',
      egress: { ...testConfig.egress, smtp: { name: 'smtp', port: 587, cidr: '192.0.2.25/32' } },
    };
    const smtpUrl = 'smtps://relay:not-a-real-smtp-password@smtp.example.com:465';
    const mailing = desiredObjects(tenant, config, { ...testCredentials, smtpUrl });
    const secret = find(mailing, 'Secret') as { stringData: Record<string, string> } & KubernetesObject;
    expect(secret.stringData.SMTP_URL).toBe(smtpUrl);
    const envOf = (name: string) =>
      find<V1Deployment>(mailing, 'Deployment', name)?.spec?.template.spec?.containers[0]?.env ?? [];
    expect(envOf('worker').filter((variable) => /^(SMTP_URL|MAIL_FROM)$/.test(variable.name))).toEqual([
      { name: 'SMTP_URL', valueFrom: { secretKeyRef: { name: 'tenant-credentials', key: 'SMTP_URL' } } },
      { name: 'MAIL_FROM', value: 'Receipts <receipts@pos.example.com>' },
    ]);
    expect(JSON.stringify(envOf('pos-api'))).not.toMatch(/SMTP|MAIL_FROM/);
    // The password stays in the Secret.
    expect(JSON.stringify(mailing.filter((object) => object.kind !== 'Secret'))).not.toContain(
      'not-a-real-smtp-password',
    );
    const egress = find<V1NetworkPolicy>(mailing, 'NetworkPolicy', 'allow-egress')?.spec?.egress ?? [];
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '192.0.2.25/32' } }],
      ports: [{ protocol: 'TCP', port: 587 }],
    });
    // Without a sender in the config, one of the tenants' own domain (the worker's is .localhost).
    const { mailFrom: _, ...unnamed } = config;
    expect(
      find<V1Deployment>(
        desiredObjects(tenant, unnamed, { ...testCredentials, smtpUrl }),
        'Deployment',
        'worker',
      )?.spec?.template.spec?.containers[0]?.env?.find((variable) => variable.name === 'MAIL_FROM'),
    ).toEqual({ name: 'MAIL_FROM', value: 'CloudPOS receipts <receipts@pos.example.com>' });
    // The same inputs build the same objects: an unchanged tenant is never applied again.
    expect(desiredObjects(tenant, config, { ...testCredentials, smtpUrl })).toEqual(mailing);
  });

  it('has nothing of e-mail without the operator’s SMTP_URL, even with a sender and an SMTP egress target', () => {
    const config: OperatorConfig = {
      ...testConfig,
      mailFrom: 'Receipts <receipts@pos.example.com>',
      egress: { ...testConfig.egress, smtp: { name: 'smtp', port: 587, cidr: '192.0.2.25/32' } },
    };
    const quiet = desiredObjects(tenant, config, testCredentials);
    expect(JSON.stringify(quiet)).not.toMatch(/SMTP|MAIL_FROM|192\.0\.2\.25|"port":587/);
    // Exactly what a config without mail settings builds.
    expect(quiet).toEqual(objects);
  });

  it('lets the POS API believe X-Forwarded-For from the configured ingress proxies only', () => {
    const envOf = (config: OperatorConfig) =>
      find<V1Deployment>(desiredObjects(tenant, config, testCredentials), 'Deployment', 'pos-api')?.spec
        ?.template.spec?.containers[0]?.env;
    expect(envOf(testConfig)?.find((variable) => variable.name === 'TRUST_PROXY')).toBeUndefined();
    expect(
      envOf({ ...testConfig, trustedProxies: ['10.0.0.0/8', 'fd00::/8'] })?.find(
        (variable) => variable.name === 'TRUST_PROXY',
      ),
    ).toEqual({ name: 'TRUST_PROXY', value: '10.0.0.0/8,fd00::/8' });
  });
});

describe.each([
  ['starter', { api: 1, worker: 1, hpa: undefined, quotaCpu: '2', pdb: { maxUnavailable: 1 } }],
  ['growth', { api: 2, worker: 1, hpa: [2, 6], quotaCpu: '8', pdb: { minAvailable: 1 } }],
  ['scale', { api: 3, worker: 2, hpa: [3, 20], quotaCpu: '32', pdb: { minAvailable: 2 } }],
] as const)('the %s plan', (plan, expected) => {
  const objects = desiredObjects(tenantFixture('shop', { plan }), testConfig, testCredentials);

  it('sizes replicas, quota, disruption budget and autoscaling', () => {
    expect(find<V1Deployment>(objects, 'Deployment', 'pos-api')?.spec?.replicas).toBe(expected.api);
    expect(find<V1Deployment>(objects, 'Deployment', 'worker')?.spec?.replicas).toBe(expected.worker);
    expect(find<V1ResourceQuota>(objects, 'ResourceQuota')?.spec?.hard?.['requests.cpu']).toBe(
      expected.quotaCpu,
    );
    expect(find<V1PodDisruptionBudget>(objects, 'PodDisruptionBudget')?.spec).toMatchObject(expected.pdb);
    const hpa = find<V2HorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    if (expected.hpa) expect([hpa?.spec?.minReplicas, hpa?.spec?.maxReplicas]).toEqual(expected.hpa);
    else expect(hpa).toBeUndefined();
  });

  it('scales to zero and drops the autoscaler when suspended, and marks the tenant read-only', () => {
    const suspended = desiredObjects(
      tenantFixture('shop', { plan, suspended: true }),
      testConfig,
      testCredentials,
    );
    for (const deployment of suspended.filter((o) => o.kind === 'Deployment') as V1Deployment[]) {
      expect(deployment.spec?.replicas).toBe(0);
    }
    expect(find(suspended, 'HorizontalPodAutoscaler')).toBeUndefined();
    expect(
      (find(suspended, 'ConfigMap') as { data: Record<string, string> } & KubernetesObject).data
        .TENANT_READ_ONLY,
    ).toBe('true');
  });
});
