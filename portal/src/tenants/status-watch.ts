// The operator's view of every Tenant the portal made, kept current by one watch, for pages that
// show many tenants at once (the platform operators' list): one request stream instead of one GET
// per tenant per page view. The watch asks for the current state first (sendInitialEvents, the
// API server's streaming list), so the portal's RBAC stays create, get, patch and watch: no list.
// Until the first full state has arrived, and after the watch ends until it is whole again, the
// previous state serves; with none yet, `current()` is undefined and callers read tenants one by one.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { observedOf, type ObservedTenant, type TenantObject } from './provisioner.ts';

const PATH = '/apis/cloudpos.io/v1alpha1/tenants';
/** The label every Tenant the portal applies carries (manifest.ts). */
export const PORTAL_TENANTS = 'app.kubernetes.io/managed-by=cloudpos-portal';
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

export interface TenantStatusWatch {
  /** Every watched Tenant's status by name, or undefined until the watch has the whole state. */
  current(): ReadonlyMap<string, ObservedTenant> | undefined;
  stop(): void;
}

export function watchTenantStatuses(
  kubeConfig: KubeConfig,
  options: { retryMs?: number; onError?: (error: unknown) => void } = {},
): TenantStatusWatch {
  const watch = new Watch(kubeConfig);
  let whole: Map<string, ObservedTenant> | undefined;
  let stopped = false;
  let abort: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;

  const start = async () => {
    // A fresh stream each time: its initial events are the whole state, swapped in at their end.
    let building: Map<string, ObservedTenant> | undefined = new Map();
    const live = () => building ?? whole!;
    try {
      abort = await watch.watch(
        PATH,
        {
          labelSelector: PORTAL_TENANTS,
          sendInitialEvents: true,
          resourceVersionMatch: 'NotOlderThan',
          allowWatchBookmarks: true,
        },
        (phase, object: TenantObject) => {
          const name = object.metadata?.name;
          if (phase === 'BOOKMARK') {
            if (building && object.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
              whole = building;
              building = undefined;
            }
          } else if (name && (phase === 'ADDED' || phase === 'MODIFIED'))
            live().set(name, observedOf(object));
          else if (name && phase === 'DELETED') live().delete(name);
        },
        (error: unknown) => {
          if (error) options.onError?.(error);
          again();
        },
      );
    } catch (error) {
      options.onError?.(error);
      again();
    }
  };
  const again = () => {
    if (stopped) return;
    retry = setTimeout(() => void start(), options.retryMs ?? 1000);
    retry.unref();
  };
  void start();
  return {
    current: () => whole,
    stop() {
      stopped = true;
      clearTimeout(retry);
      abort?.abort();
    },
  };
}
