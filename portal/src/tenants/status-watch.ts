// What the platform operators' list shows of many tenants at once, kept current by watches: one
// request stream each instead of one GET per tenant per page view. The Tenants the portal made (the
// operator's status) and the Tenants' Kubernetes Events (what the operator recorded: condition
// changes, deletion steps, backups). Each watch asks for the current state first (sendInitialEvents,
// the API server's streaming list), so the portal's RBAC needs watch and no list. Until the first
// full state has arrived, and after a watch ends until it is whole again, the previous state serves;
// with none yet, `current()` is undefined and callers read tenants one by one.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { observedOf, type ObservedTenant, type TenantClusterEvent } from './provisioner.ts';

const PATH = '/apis/cloudpos.io/v1alpha1/tenants';
/** The label every Tenant the portal applies carries (manifest.ts). */
export const PORTAL_TENANTS = 'app.kubernetes.io/managed-by=cloudpos-portal';
/** Where a cluster-scoped object's Events are (the operator's recordEvents writes them there). */
export const TENANT_EVENTS_PATH = '/api/v1/namespaces/default/events';
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** The state of one watched collection: each object's summary by the object's name. */
export interface StateWatch<T> {
  /** Every watched object's summary by name, or undefined until the watch has the whole state. */
  current(): ReadonlyMap<string, T> | undefined;
  stop(): void;
}

interface WatchOptions {
  retryMs?: number;
  onError?: (error: unknown) => void;
}

/** The operator's status of every Tenant the portal applied, by Tenant name. */
export function watchTenantStatuses(
  kubeConfig: KubeConfig,
  options: WatchOptions = {},
): StateWatch<ObservedTenant> {
  return watchState(kubeConfig, PATH, { labelSelector: PORTAL_TENANTS }, observedOf, options);
}

interface EventObject {
  metadata?: { name?: string; annotations?: Record<string, string> };
  involvedObject?: { kind?: string; name?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  eventTime?: string | Date | null;
  lastTimestamp?: string | Date | null;
  firstTimestamp?: string | Date | null;
}

/** The Events of every Tenant (the API server keeps them an hour by default), by Event name. */
export function watchTenantEvents(
  kubeConfig: KubeConfig,
  options: WatchOptions = {},
): StateWatch<TenantClusterEvent> {
  return watchState(
    kubeConfig,
    TENANT_EVENTS_PATH,
    { fieldSelector: 'involvedObject.kind=Tenant' },
    (event: EventObject): TenantClusterEvent => {
      const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp;
      return {
        tenant: event.involvedObject?.name ?? '',
        at: at ? new Date(at).toISOString() : null,
        type: event.type === 'Warning' ? 'Warning' : 'Normal',
        reason: (event.reason ?? '').slice(0, 128),
        message: (event.message ?? '').slice(0, 1024),
        count: event.count ?? 1,
      };
    },
    options,
  );
}

function watchState<O extends { metadata?: { name?: string; annotations?: Record<string, string> } }, T>(
  kubeConfig: KubeConfig,
  path: string,
  query: Record<string, string>,
  summarize: (object: O) => T,
  options: WatchOptions,
): StateWatch<T> {
  const watch = new Watch(kubeConfig);
  let whole: Map<string, T> | undefined;
  let stopped = false;
  let abort: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;

  const start = async () => {
    // A fresh stream each time: its initial events are the whole state, swapped in at their end.
    let building: Map<string, T> | undefined = new Map();
    const live = () => building ?? whole!;
    try {
      abort = await watch.watch(
        path,
        {
          ...query,
          sendInitialEvents: true,
          resourceVersionMatch: 'NotOlderThan',
          allowWatchBookmarks: true,
        },
        (phase, object: O) => {
          const name = object.metadata?.name;
          if (phase === 'BOOKMARK') {
            if (building && object.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
              whole = building;
              building = undefined;
            }
          } else if (name && (phase === 'ADDED' || phase === 'MODIFIED')) live().set(name, summarize(object));
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
