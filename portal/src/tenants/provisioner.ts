// Where Tenants are created: a custom resource through the Kubernetes API (in a cluster), or the
// operator's local mode (under `npm start`). Both take the same manifest and report the operator's
// status (phase, conditions, URL) back.
import type { TenantManifest } from './manifest.ts';

export interface TenantCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ObservedTenant {
  phase: string | undefined;
  url: string | undefined;
  conditions: TenantCondition[];
}

export interface TenantProvisioner {
  readonly kind: 'kubernetes' | 'local';
  /** Creates or updates the Tenant; idempotent (applying the same manifest twice changes nothing). */
  apply(manifest: TenantManifest): Promise<void>;
  /** What the operator reports, or undefined while the Tenant does not exist (yet). */
  observe(slug: string): Promise<ObservedTenant | undefined>;
  /**
   * What the operator reports for every tenant, from a cache kept current by a watch, when the
   * provisioner keeps one and it is whole; otherwise undefined (read them one by one).
   */
  observedAll?(): ReadonlyMap<string, ObservedTenant> | undefined;
  /**
   * The Tenants' Kubernetes Events (what the operator recorded), by Event name, from a cache kept
   * current by a watch, when the provisioner has a cluster and the cache is whole.
   */
  clusterEvents?(): ReadonlyMap<string, TenantClusterEvent> | undefined;
  close(): Promise<void>;
}

/** One Kubernetes Event of a Tenant, as the operators' list shows it. */
export interface TenantClusterEvent {
  /** The Tenant's name (its slug). */
  tenant: string;
  at: string | null;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
}

/** A Tenant as the API server or the local operator gives it, as far as the portal reads it. */
export interface TenantObject {
  metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  status?: { phase?: string; url?: string; conditions?: TenantCondition[] };
}

export function observedOf(tenant: TenantObject): ObservedTenant {
  return {
    phase: tenant.status?.phase,
    url: tenant.status?.url,
    conditions: (tenant.status?.conditions ?? []).map(({ type, status, reason, message }) => ({
      type,
      status,
      reason,
      message,
    })),
  };
}
