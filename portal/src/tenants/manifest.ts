// The Tenant custom resource the portal asks for: the same manifest whether it goes to the
// Kubernetes API or to the operator's local mode. Pure.
import type { PlanName } from '../config.ts';

export interface TenantOrder {
  slug: string;
  displayName: string;
  plan: PlanName;
  currency: string;
  owner: { name: string; email: string };
  /** The platform's tenant row, so an operator can find who ordered it. */
  tenantId: string;
  accountId: string;
}

export interface TenantManifest {
  apiVersion: 'cloudpos.io/v1alpha1';
  kind: 'Tenant';
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    slug: string;
    displayName: string;
    plan: PlanName;
    owner: { name: string; email: string };
    currency: string;
    stores: { code: string; name: string }[];
    deletionPolicy: 'BackupThenDelete';
    /** Set by billing (grace period over, subscription canceled); absent means running. */
    suspended?: boolean;
  };
}

export function tenantManifest(order: TenantOrder): TenantManifest {
  return {
    apiVersion: 'cloudpos.io/v1alpha1',
    kind: 'Tenant',
    metadata: {
      name: order.slug,
      labels: { 'app.kubernetes.io/managed-by': 'cloudpos-portal' },
      annotations: {
        'cloudpos.io/platform-tenant-id': order.tenantId,
        'cloudpos.io/account-id': order.accountId,
      },
    },
    spec: {
      slug: order.slug,
      displayName: order.displayName,
      plan: order.plan,
      owner: order.owner,
      currency: order.currency,
      stores: [{ code: 'MAIN', name: order.displayName }],
      // A paying merchant's data is never dropped without a backup.
      deletionPolicy: 'BackupThenDelete',
    },
  };
}
