// Names, labels and owner references shared by every object built for a tenant.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { TENANT_API_VERSION, TENANT_KIND, type Tenant } from '../generated/tenant.ts';

// Objects are typed with client-node's models and applied through its KubernetesObjectApi, whose
// serializer maps model names to wire names: a few fields are spelled its way (`_from` for `from`,
// `_default` for `default`); a wire spelling would be silently dropped.

export const FIELD_MANAGER = 'cloudpos-operator';
export const TENANT_LABEL = 'cloudpos.io/tenant';

export function namespaceName(tenant: Tenant): string {
  return `tenant-${tenant.spec.slug}`;
}

export function tenantLabels(tenant: Tenant, component?: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
    'app.kubernetes.io/part-of': 'cloudpos',
    [TENANT_LABEL]: tenant.spec.slug,
    ...(component
      ? {
          'app.kubernetes.io/name': component,
          'app.kubernetes.io/instance': `${tenant.spec.slug}-${component}`,
        }
      : {}),
  };
}

/** The Tenant (cluster-scoped) owns everything, so deleting it garbage-collects the namespace. */
export function ownerReference(tenant: Tenant): V1OwnerReference {
  return {
    apiVersion: TENANT_API_VERSION,
    kind: TENANT_KIND,
    name: tenant.metadata.name!,
    uid: tenant.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function objectMeta(
  tenant: Tenant,
  name: string,
  component?: string,
  namespaced = true,
): V1ObjectMeta {
  return {
    name,
    ...(namespaced ? { namespace: namespaceName(tenant) } : {}),
    labels: tenantLabels(tenant, component),
    ownerReferences: [ownerReference(tenant)],
  };
}
