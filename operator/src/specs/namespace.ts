// The tenant's namespace and what bounds it: Pod Security "restricted", a ResourceQuota and a
// LimitRange sized by plan, and a service account with the least rights the workloads need.
import type {
  V1LimitRange,
  V1Namespace,
  V1ResourceQuota,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type { Tenant } from '../generated/tenant.ts';
import { PLANS } from './plans.ts';
import { namespaceName, objectMeta, tenantLabels } from './metadata.ts';

export const SERVICE_ACCOUNT = 'pos';
export const SETTINGS_CONFIGMAP = 'tenant-settings';
export const PLAN_LABEL = 'cloudpos.io/plan';

export function buildNamespace(tenant: Tenant): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...objectMeta(tenant, namespaceName(tenant), undefined, false),
      labels: {
        ...tenantLabels(tenant),
        [PLAN_LABEL]: tenant.spec.plan,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  };
}

export function buildResourceQuota(tenant: Tenant): V1ResourceQuota {
  const { quota } = PLANS[tenant.spec.plan];
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      ...objectMeta(tenant, 'tenant-quota'),
      // The plan the quota is sized for: a downgrade shrinks it only after the workloads rolled out.
      labels: { ...tenantLabels(tenant), [PLAN_LABEL]: tenant.spec.plan },
    },
    spec: {
      hard: {
        'requests.cpu': quota.cpu,
        'requests.memory': quota.memory,
        'limits.cpu': quota.cpu,
        'limits.memory': quota.memory,
        pods: String(quota.pods),
        services: '5',
        'services.loadbalancers': '0',
        'services.nodeports': '0',
        persistentvolumeclaims: '0',
      },
    },
  };
}

export function buildLimitRange(tenant: Tenant): V1LimitRange {
  const { container } = PLANS[tenant.spec.plan];
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: objectMeta(tenant, 'tenant-limits'),
    spec: {
      limits: [
        {
          type: 'Container',
          _default: container.limits,
          defaultRequest: container.requests,
          max: container.limits,
        },
      ],
    },
  };
}

export function buildServiceAccount(tenant: Tenant): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: objectMeta(tenant, SERVICE_ACCOUNT),
    automountServiceAccountToken: false,
  };
}

/** The workloads may read their own settings and nothing else in the cluster. */
export function buildRole(tenant: Tenant): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: objectMeta(tenant, 'pos'),
    rules: [
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: [SETTINGS_CONFIGMAP],
        verbs: ['get', 'watch'],
      },
    ],
  };
}

export function buildRoleBinding(tenant: Tenant): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: objectMeta(tenant, 'pos'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pos' },
    subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: namespaceName(tenant) }],
  };
}
