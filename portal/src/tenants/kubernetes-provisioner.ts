// Tenants as custom resources through the Kubernetes API: server-side apply under the portal's own
// field manager (so the operator's status and other managers' fields are left alone), and reads of
// the status the operator writes. RBAC: create, get, patch and watch on tenants, and watch on the
// Events in `default` (where a cluster-scoped Tenant's Events are), nothing else.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiException, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  observedOf,
  type ObservedTenant,
  type TenantClusterEvent,
  type TenantObject,
  type TenantProvisioner,
} from './provisioner.ts';
import { watchTenantEvents, watchTenantStatuses, type StateWatch } from './status-watch.ts';

const GROUP = 'cloudpos.io';
const VERSION = 'v1alpha1';
const PLURAL = 'tenants';
export const PORTAL_FIELD_MANAGER = 'cloudpos-portal';

export function kubernetesProvisioner(kubeConfig: KubeConfig): TenantProvisioner {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  // Opened by the first page that shows many tenants, kept for the next ones.
  let statuses: StateWatch<ObservedTenant> | undefined;
  let events: StateWatch<TenantClusterEvent> | undefined;
  return {
    kind: 'kubernetes',
    async apply(manifest) {
      try {
        await api.patchClusterCustomObject(
          {
            group: GROUP,
            version: VERSION,
            plural: PLURAL,
            name: manifest.metadata.name,
            body: manifest,
            fieldManager: PORTAL_FIELD_MANAGER,
            force: true,
          },
          setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
        );
      } catch (error) {
        throw new Error(`while applying Tenant ${manifest.metadata.name}: ${describe(error)}`, {
          cause: error,
        });
      }
    },
    async observe(slug) {
      let tenant: TenantObject;
      try {
        tenant = (await api.getClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          name: slug,
        })) as typeof tenant;
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw new Error(`while reading Tenant ${slug}: ${describe(error)}`, { cause: error });
      }
      return observedOf(tenant);
    },
    observedAll() {
      statuses ??= watchTenantStatuses(kubeConfig);
      return statuses.current();
    },
    clusterEvents() {
      events ??= watchTenantEvents(kubeConfig);
      return events.current();
    },
    async close() {
      statuses?.stop();
      events?.stop();
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as unknown;
    const message = typeof body === 'string' ? body : (body as { message?: string } | undefined)?.message;
    return `HTTP ${error.code}: ${message ?? 'no message'}`;
  }
  return error instanceof Error ? error.message : String(error);
}
