// Tenant → desired Kubernetes objects, as pure functions. The controller applies the result with
// server-side apply under one field manager; nothing here does I/O.
import type { OperatorConfig } from '../config.ts';
import type { Tenant } from '../generated/tenant.ts';
import {
  buildLimitRange,
  buildNamespace,
  buildResourceQuota,
  buildRole,
  buildRoleBinding,
  buildServiceAccount,
} from './namespace.ts';
import { buildNetworkPolicies } from './network.ts';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  buildAutoscaler,
  buildCredentialsSecret,
  buildDeployments,
  buildDisruptionBudget,
  buildIngress,
  buildService,
  buildSettings,
  type TenantCredentials,
} from './workloads.ts';

export { FIELD_MANAGER, TENANT_LABEL, namespaceName, tenantLabels } from './metadata.ts';
export { PLANS, type Plan, type PlanLimits } from './plans.ts';
export { tenantUrl, CREDENTIALS_SECRET, type TenantCredentials } from './workloads.ts';

/** Every object a tenant should have, namespace first, in an order that applies cleanly. */
export function desiredObjects(
  tenant: Tenant,
  config: OperatorConfig,
  credentials: TenantCredentials,
): KubernetesObject[] {
  const autoscaler = buildAutoscaler(tenant);
  const sendsMail = Boolean(credentials.smtpUrl);
  return [
    buildNamespace(tenant),
    buildServiceAccount(tenant),
    buildRole(tenant),
    buildRoleBinding(tenant),
    buildResourceQuota(tenant),
    buildLimitRange(tenant),
    ...buildNetworkPolicies(tenant, config, credentials.databaseCluster, sendsMail),
    buildSettings(tenant),
    buildCredentialsSecret(tenant, config, credentials),
    ...buildDeployments(tenant, config, { sendsMail }),
    buildService(tenant),
    buildIngress(tenant, config),
    buildDisruptionBudget(tenant),
    ...(autoscaler ? [autoscaler] : []),
  ];
}
