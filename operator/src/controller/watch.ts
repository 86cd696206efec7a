// Keeps the work queue fed and the operator's cache filled: informers on Tenants and on every kind
// of object the operator owns, each restarted after an error (client-node informers stop on anything
// but 410 Gone) and by a watchdog when their cache falls behind a fresh list (a watch that hangs
// without an error), plus a periodic full resync that also heals drift nobody was told about. A
// reconcile reads owned objects from these caches (`cached`), as controller-runtime's client does.
import {
  makeInformer as makeClientInformer,
  type CustomObjectsApi,
  type KubeConfig,
  type Informer,
  type KubernetesObject,
  type KubernetesObjectApi,
  type ListPromise,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from '@cloudpos/telemetry';
import { TENANT_GROUP, TENANT_PLURAL, TENANT_VERSION } from '../crd.ts';
import { TENANT_KIND } from '../generated/tenant.ts';
import { listIdentities } from '../kube/list-identities.ts';
import { FIELD_MANAGER, TENANT_LABEL } from '../specs/metadata.ts';
import type { WorkQueue } from './queue.ts';

/**
 * Every kind desiredObjects() builds (and the identity Secret), all labelled as managed by the
 * operator. Keep in step with specs/: an owned kind missing here is read from the API server on
 * every reconcile instead of the cache (specs.test.ts checks).
 */
export const OWNED_KINDS = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces' },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas' },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', plural: 'networkpolicies' },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps' },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' },
] as const;

/** A watch's name in logs and metrics: `tenants` or an owned kind's plural. */
export type WatchName = 'tenants' | (typeof OWNED_KINDS)[number]['plural'];

/** An object by its identity, as the cache is asked for it. */
export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

export type InformerFactory = (
  kc: KubeConfig,
  path: string,
  list: ListPromise<KubernetesObject>,
  labelSelector?: string,
) => Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

export interface WatchOptions {
  kc: KubeConfig;
  custom: CustomObjectsApi;
  /** Lists the owned kinds. */
  objects: KubernetesObjectApi;
  queue: WorkQueue;
  logger: Logger;
  resyncEveryMs?: number;
  /** How often each informer's cache is compared with a fresh list (the stall watchdog). */
  watchdogEveryMs?: number;
  /** Called when an informer is restarted, with why (`error` or `stalled`). */
  onRestart?: (watch: WatchName, reason: 'error' | 'stalled') => void;
  /** Tests pass a factory that can stall an informer the way a dead connection does. */
  makeInformer?: InformerFactory;
  /** Only Tenants with these labels (shards, canaries); every Tenant when absent. */
  labelSelector?: string;
}

export interface Watches {
  /** The W3C traceparent a Tenant carries in its annotations (the portal sets it). */
  traceparentOf(name: string): string | undefined;
  /**
   * The Tenant or owned object as the cache has it (a kind not watched: undefined). Objects from the
   * initial list are client-node models, later ones wire JSON: read fields both spell the same.
   */
  cached: (ref: ObjectRef) => KubernetesObject | undefined;
  stop(): Promise<void>;
}

export const TRACEPARENT_ANNOTATION = 'cloudpos.io/traceparent';

export async function startWatches(options: WatchOptions): Promise<Watches> {
  const { kc, custom, objects, queue, logger } = options;
  const makeInformer: InformerFactory = options.makeInformer ?? makeClientInformer;
  const listTenants = async () => {
    const list = (await custom.listClusterCustomObject({
      group: TENANT_GROUP,
      version: TENANT_VERSION,
      plural: TENANT_PLURAL,
      ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    })) as { items: KubernetesObject[]; metadata?: { resourceVersion?: string } };
    return {
      ...list,
      apiVersion: `${TENANT_GROUP}/${TENANT_VERSION}`,
      kind: 'TenantList',
      metadata: list.metadata ?? {},
    };
  };
  const ownedSelector = `app.kubernetes.io/managed-by=${FIELD_MANAGER}`;
  const listOwned = (kind: (typeof OWNED_KINDS)[number]) => async () => {
    const list = await objects.list(
      kind.apiVersion,
      kind.kind,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      ownedSelector,
    );
    for (const item of list.items) forCache(item);
    return list;
  };

  const enqueueTenant = (object: KubernetesObject) => {
    if (object.metadata?.name) queue.add(object.metadata.name);
  };
  const enqueueOwner = (object: KubernetesObject) => {
    // Only tenants this operator watches (its label selector may leave some to another shard).
    const tenant = object.metadata?.labels?.[TENANT_LABEL];
    if (tenant && tenantInformer.get(tenant)) queue.add(tenant);
  };

  let stopped = false;
  const tenantsPath = `/apis/${TENANT_GROUP}/${TENANT_VERSION}/${TENANT_PLURAL}`;
  const tenantIdentities = () => listIdentities(kc, tenantsPath, options.labelSelector);
  const watched = [
    {
      what: 'tenants' as const,
      informer: makeInformer(kc, tenantsPath, listTenants, options.labelSelector),
      handler: (object: KubernetesObject) => enqueueTenant(forCache(object)),
      identities: tenantIdentities,
    },
    ...OWNED_KINDS.map((kind) => {
      const path = `${kind.apiVersion === 'v1' ? '/api' : '/apis'}/${kind.apiVersion}/${kind.plural}`;
      return {
        what: kind.plural,
        informer: makeInformer(kc, path, listOwned(kind), ownedSelector),
        handler: (object: KubernetesObject) => enqueueOwner(forCache(object)),
        identities: () => listIdentities(kc, path, ownedSelector),
      };
    }),
  ];
  const tenantInformer = watched[0]!.informer;
  const ownedInformers = new Map(
    OWNED_KINDS.map((kind, index) => [`${kind.apiVersion}/${kind.kind}`, watched[index + 1]!.informer]),
  );

  const restart = async (watch: (typeof watched)[number], reason: 'error' | 'stalled') => {
    if (stopped) return;
    options.onRestart?.(watch.what, reason);
    try {
      if (reason === 'stalled') await watch.informer.stop();
      await watch.informer.start();
    } catch (error) {
      logger.error({ err: error, watch: watch.what }, 'restarting the watch failed');
    }
  };

  for (const watch of watched) {
    for (const event of ['add', 'update', 'delete'] as const) watch.informer.on(event, watch.handler);
    watch.informer.on('error', (error: unknown) => {
      // stop() aborts the request, and the informer reports that as an error too: not a failure.
      if (stopped || (error as Error | undefined)?.name === 'AbortError') return;
      logger.warn({ err: error, watch: watch.what }, 'watch failed; restarting it');
      setTimeout(() => void restart(watch, 'error'), 2000).unref();
    });
    await watch.informer.start();
  }

  // The watchdog: a watch can hang without an error (a half-dead connection), and then the cache
  // silently stops moving. Whatever a fresh list shows that the cache has missed for two checks in a
  // row (one check of grace for events in flight) means the watch is stalled: restart it.
  // Tenants are checked every time; the owned kinds one per check, in turn, so a thousand tenants'
  // objects are not all listed again every minute.
  const suspects = new Map<string, Set<string>>();
  let turn = 0;
  const watchdog = setInterval(() => {
    turn = (turn % (watched.length - 1)) + 1;
    for (const watch of [watched[0]!, watched[turn]!]) {
      watch
        .identities()
        .then(async (listed) => {
          const behind = new Set(lagging(watch.informer.list(), listed));
          const before = suspects.get(watch.what) ?? new Set();
          suspects.set(watch.what, behind);
          if (![...behind].some((key) => before.has(key))) return;
          logger.warn(
            { watch: watch.what, behind: [...behind].slice(0, 10) },
            'watch stalled: its cache missed changes; restarting it',
          );
          suspects.set(watch.what, new Set());
          await restart(watch, 'stalled');
        })
        .catch((error: unknown) => logger.warn({ err: error, watch: watch.what }, 'watchdog check failed'));
    }
  }, options.watchdogEveryMs ?? 60_000);
  watchdog.unref();

  const resync = setInterval(
    () => {
      tenantIdentities()
        .then((tenants) => {
          logger.info({ tenants: tenants.length }, 'periodic resync');
          tenants.forEach(enqueueTenant);
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'periodic resync failed'));
    },
    options.resyncEveryMs ?? 5 * 60_000,
  );
  resync.unref();

  return {
    traceparentOf: (name) => tenantInformer.get(name)?.metadata?.annotations?.[TRACEPARENT_ANNOTATION],
    cached: (ref) =>
      (ref.kind === TENANT_KIND ? tenantInformer : ownedInformers.get(`${ref.apiVersion}/${ref.kind}`))?.get(
        ref.metadata?.name ?? '',
        ref.metadata?.namespace,
      ),
    async stop() {
      stopped = true;
      clearInterval(resync);
      clearInterval(watchdog);
      for (const watch of watched) await watch.informer.stop();
    },
  };
}

/**
 * Keys (namespace/name@resourceVersion) of listed objects the cache does not have at that version,
 * plus cached objects the list no longer has: what the watch should have delivered but did not.
 */
export function lagging(cached: readonly KubernetesObject[], listed: readonly KubernetesObject[]): string[] {
  const key = (object: KubernetesObject) =>
    `${object.metadata?.namespace ?? ''}/${object.metadata?.name}@${object.metadata?.resourceVersion}`;
  const have = new Set(cached.map(key));
  const want = new Set(listed.map(key));
  return [...[...want].filter((k) => !have.has(k)), ...[...have].filter((k) => !want.has(k))];
}

/**
 * What the cache keeps of an object (in place: the informer has stored it by the time its handlers
 * run): what reconciles read, not the field managers' bookkeeping, the largest part of most objects
 * (5 of a Tenant's 8 KB). The metadata is rebuilt rather than the field deleted: V8 turns an object
 * that loses a property into a dictionary (a small Secret then takes 930 bytes instead of 550), and a
 * thousand tenants' objects are 17,000 of them.
 */
function forCache<T extends KubernetesObject>(object: T): T {
  if (object.metadata?.managedFields) {
    const { managedFields: _, ...metadata } = object.metadata;
    object.metadata = metadata;
  }
  return object;
}
