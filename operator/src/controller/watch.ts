// Keeps the work queue fed: informers on Tenants and on the Deployments the operator owns, each
// restarted after an error (client-node informers stop on anything but 410 Gone), plus a periodic
// full resync that also heals drift nobody was told about.
import {
  makeInformer,
  type CustomObjectsApi,
  type AppsV1Api,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '@cloudpos/telemetry';
import { TENANT_GROUP, TENANT_PLURAL, TENANT_VERSION } from '../crd.ts';
import { FIELD_MANAGER, TENANT_LABEL } from '../specs/metadata.ts';
import type { WorkQueue } from './queue.ts';

export interface WatchOptions {
  kc: KubeConfig;
  custom: CustomObjectsApi;
  apps: AppsV1Api;
  queue: WorkQueue;
  logger: Logger;
  resyncEveryMs?: number;
  /** Only Tenants with these labels (shards, canaries); every Tenant when absent. */
  labelSelector?: string;
}

export interface Watches {
  /** The W3C traceparent a Tenant carries in its annotations (the portal sets it). */
  traceparentOf(name: string): string | undefined;
  stop(): Promise<void>;
}

export const TRACEPARENT_ANNOTATION = 'cloudpos.io/traceparent';

export async function startWatches(options: WatchOptions): Promise<Watches> {
  const { kc, custom, apps, queue, logger } = options;
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
  const tenants = makeInformer(
    kc,
    `/apis/${TENANT_GROUP}/${TENANT_VERSION}/${TENANT_PLURAL}`,
    listTenants,
    options.labelSelector,
  );
  const ownedSelector = `app.kubernetes.io/managed-by=${FIELD_MANAGER}`;
  const deployments = makeInformer(
    kc,
    '/apis/apps/v1/deployments',
    () => apps.listDeploymentForAllNamespaces({ labelSelector: ownedSelector }),
    ownedSelector,
  );

  const enqueueTenant = (object: KubernetesObject) => {
    if (object.metadata?.name) queue.add(object.metadata.name);
  };
  const enqueueOwner = (object: KubernetesObject) => {
    // Only tenants this operator watches (its label selector may leave some to another shard).
    const tenant = object.metadata?.labels?.[TENANT_LABEL];
    if (tenant && tenants.get(tenant)) queue.add(tenant);
  };
  let stopped = false;
  for (const [informer, handler, what] of [
    [tenants, enqueueTenant, 'tenants'],
    [deployments, enqueueOwner, 'deployments'],
  ] as const) {
    for (const event of ['add', 'update', 'delete'] as const) informer.on(event, handler);
    informer.on('error', (error: unknown) => {
      if (stopped) return;
      logger.warn({ err: error, watch: what }, 'watch failed; restarting it');
      setTimeout(() => {
        if (!stopped)
          informer
            .start()
            .catch((restartError: unknown) =>
              logger.error({ err: restartError, watch: what }, 'restart failed'),
            );
      }, 2000).unref();
    });
  }
  await tenants.start();
  await deployments.start();

  const resync = setInterval(
    () => {
      listTenants()
        .then((list) => list.items.forEach(enqueueTenant))
        .catch((error: unknown) => logger.warn({ err: error }, 'periodic resync failed'));
    },
    options.resyncEveryMs ?? 5 * 60_000,
  );
  resync.unref();

  return {
    traceparentOf: (name) => tenants.get(name)?.metadata?.annotations?.[TRACEPARENT_ANNOTATION],
    async stop() {
      stopped = true;
      clearInterval(resync);
      await tenants.stop();
      await deployments.stop();
    },
  };
}
