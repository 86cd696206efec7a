// Proof that the control plane is the real thing: each behaviour below needs a real API server,
// etcd, controller manager, scheduler or kwok, and would fail against a mock.
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { KUBERNETES_VERSION } from '../tools/kubernetes-tools.ts';
import { eventually } from '../infra/eventually.ts';

const run = promisify(execFile);
const kc = new KubeConfig();
let core: CoreV1Api;
let apps: AppsV1Api;
let objects: KubernetesObjectApi;

beforeAll(() => {
  kc.loadFromFile(inject('kubeconfigPath'));
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  objects = KubernetesObjectApi.makeApiClient(kc);
});

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

async function newNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

describe('the control plane', () => {
  it(`is Kubernetes ${KUBERNETES_VERSION} and kubectl sees the kwok nodes`, async () => {
    const kubectl = inject('kubectlPath');
    const { stdout: version } = await run(kubectl, [
      '--kubeconfig',
      inject('kubeconfigPath'),
      'version',
      '-o',
      'json',
    ]);
    expect((JSON.parse(version) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion).toBe(
      KUBERNETES_VERSION,
    );
    const { stdout: nodes } = await run(kubectl, [
      '--kubeconfig',
      inject('kubeconfigPath'),
      'get',
      'nodes',
      '--no-headers',
    ]);
    expect(nodes).toMatch(/kwok-node-0\s+Ready/);
    expect(nodes).toMatch(/kwok-node-1\s+Ready/);
  });

  it('enforces a CRD’s CEL validation rules with their messages (API server)', async () => {
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: 'gadgets.proof.cloudpos.io' },
        spec: {
          group: 'proof.cloudpos.io',
          scope: 'Namespaced',
          names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { replicas: { type: 'integer' }, slug: { type: 'string' } },
                      // client-node's serializer only knows x_kubernetes_validations (sent as
                      // x-kubernetes-validations); any other spelling is silently dropped.
                      x_kubernetes_validations: [
                        { rule: 'self.replicas <= 5', message: 'replicas must be at most 5' },
                        { rule: 'self.slug == oldSelf.slug', message: 'slug is immutable' },
                      ],
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await eventually('the CRD to be established', async () => {
      const crd = await extensions.readCustomResourceDefinition({ name: 'gadgets.proof.cloudpos.io' });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const target = { group: 'proof.cloudpos.io', version: 'v1', namespace: 'default', plural: 'gadgets' };
    const gadget = (name: string, spec: object) => ({
      apiVersion: 'proof.cloudpos.io/v1',
      kind: 'Gadget',
      metadata: { name, namespace: 'default' },
      spec,
    });
    // A valid object first: once it is accepted, the new type is fully served.
    const created = await eventually(
      'the new resource to be served',
      () =>
        custom.createNamespacedCustomObject({
          ...target,
          body: gadget('g1', { replicas: 2, slug: 'a' }),
        }) as Promise<KubernetesObject & { spec: object }>,
    );
    expect(created.spec).toEqual({ replicas: 2, slug: 'a' });
    const rejected: unknown = await custom
      .createNamespacedCustomObject({ ...target, body: gadget('g2', { replicas: 9, slug: 'a' }) })
      .catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(ApiException);
    expect((rejected as ApiException<unknown>).code).toBe(422);
    expect(JSON.stringify((rejected as ApiException<unknown>).body)).toContain('replicas must be at most 5');

    const renamed: unknown = await custom
      .replaceNamespacedCustomObject({
        ...target,
        name: 'g1',
        body: { ...created, spec: { replicas: 2, slug: 'b' } },
      })
      .catch((error: unknown) => error);
    expect((renamed as ApiException<unknown>).code).toBe(422);
    expect(JSON.stringify((renamed as ApiException<unknown>).body)).toContain('slug is immutable');
  });

  it('brings a Deployment to its desired readyReplicas (controller manager, scheduler, kwok)', async () => {
    const namespace = await newNamespace('deploy');
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
          },
        },
      },
    });
    const ready = await eventually('3 ready replicas', async () => {
      const deployment = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return deployment.status?.readyReplicas === 3 ? deployment : undefined;
    });
    expect(ready.status?.availableReplicas).toBe(3);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    expect(pods.items).toHaveLength(3);
    expect(pods.items.every((pod) => pod.spec?.nodeName?.startsWith('kwok-node-'))).toBe(true);
  });

  it('deletes a namespace’s objects with the namespace (namespace lifecycle controller)', async () => {
    const namespace = await newNamespace('doomed');
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'inside' }, data: { a: '1' } },
    });
    await core.deleteNamespace({ name: namespace });
    await eventually('the namespace to be gone', async () =>
      (await statusOf(core.readNamespace({ name: namespace }))) === 404 ? true : undefined,
    );
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'inside', namespace }))).toBe(404);
  });

  it('garbage-collects an object whose owner is deleted (garbage collector)', async () => {
    const namespace = await newNamespace('gc');
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! },
          ],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace, propagationPolicy: 'Background' });
    await eventually('the dependent to be collected', async () =>
      (await statusOf(core.readNamespacedConfigMap({ name: 'dependent', namespace }))) === 404
        ? true
        : undefined,
    );
  });

  it('reports a conflict between two field managers under server-side apply, and lets one force', async () => {
    const namespace = await newNamespace('ssa');
    const apply = (manager: string, color: string, force = false) =>
      objects.patch(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'shared', namespace },
          data: { color },
        } as KubernetesObject,
        undefined,
        undefined,
        manager,
        force,
        PatchStrategy.ServerSideApply,
      );
    await apply('cloudpos-operator', 'red');
    const conflict = await apply('someone-else', 'blue').catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(ApiException);
    expect((conflict as ApiException<unknown>).code).toBe(409);
    expect(JSON.stringify((conflict as ApiException<unknown>).body)).toContain('cloudpos-operator');
    const forced = (await apply('someone-else', 'blue', true)) as KubernetesObject & {
      data: Record<string, string>;
    };
    expect(forced.data.color).toBe('blue');
    expect(forced.metadata?.managedFields?.find((field) => field.manager === 'someone-else')?.operation).toBe(
      'Apply',
    );
  });

  it('gives a ServiceAccount a token and RBAC denies what its Role does not allow', async () => {
    const namespace = await newNamespace('rbac');
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'reader-reads-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace }],
      },
    });
    const tokenRequest = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tokenRequest.status!.token;
    const cluster = kc.getCurrentCluster()!;
    const asReader = new KubeConfig();
    asReader.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.server, caData: cluster.caData }],
      users: [{ name: 'reader', token }],
      contexts: [{ name: 'c', cluster: 'c', user: 'reader' }],
      currentContext: 'c',
    });
    const review = await asReader.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${namespace}:reader`);
    const readerCore = asReader.makeApiClient(CoreV1Api);
    expect(await statusOf(readerCore.listNamespacedConfigMap({ namespace }))).toBe(200);
    expect(await statusOf(readerCore.listNamespacedSecret({ namespace }))).toBe(403);
    expect(await statusOf(readerCore.listNamespacedConfigMap({ namespace: 'default' }))).toBe(403);
  });
});
