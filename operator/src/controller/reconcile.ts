// One reconcile of one Tenant, level-based and idempotent: observe, provision the database and the
// messaging account, apply the desired Kubernetes objects (server-side apply, one field manager),
// then derive status from what is really there and write it only when it changed.
import { portalTokenKey } from '@cloudpos/pos-api/portal-token-key';
import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type CustomObjectsApi,
  type KubernetesObject,
  type KubernetesObjectApi,
  type V1ResourceQuota,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
import { tenantSchemaName } from '@cloudpos/tenant-db';
import type { OperatorConfig } from '../config.ts';
import type { RedisAdmin } from '../provision/redis.ts';
import { TENANT_GROUP, TENANT_PLURAL, TENANT_VERSION } from '../crd.ts';
import { TENANT_API_VERSION, TENANT_KIND, type Tenant, type TenantStatus } from '../generated/tenant.ts';
import { applyChanged } from '../kube/apply.ts';
import { BackupUnavailableError } from '../provision/backup.ts';
import type { BackupBucket } from '../provision/backup-bucket.ts';
import { CREDENTIALS_SECRET, desiredObjects, namespaceName, tenantUrl } from '../specs/index.ts';
import { PLAN_LABEL, buildNamespace } from '../specs/namespace.ts';
import { objectMeta } from '../specs/metadata.ts';
import { PLANS, PLAN_ORDER, type Plan } from '../specs/plans.ts';
import { runScheduledBackup } from './backup-schedule.ts';
import { RESTORE_ANNOTATION, RESTORE_INTO_ANNOTATION, runRequestedRestore } from './restore-request.ts';
import type { ObjectRef } from './watch.ts';
import { recordEvents, transitionEvents } from './events.ts';
import {
  clusterToClean,
  placeTenant,
  placementCondition,
  PlacementError,
  unplacedConditions,
} from './placement.ts';
import {
  clustersOf,
  completeIdentity,
  isCompleteIdentity,
  onCluster,
  provisionTenantData,
  removeTenantData,
  type TenantDataContext,
  type TenantIdentity,
} from './tenant-data.ts';
import {
  phaseOf,
  readyCondition,
  sameStatus,
  setCondition,
  type Condition,
  type ConditionInput,
} from './conditions.ts';

export interface ReconcileContext extends TenantDataContext {
  /** Required in a cluster: every tenant's pods connect to Redis as their own ACL user. */
  redis: RedisAdmin;
  config: OperatorConfig;
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
  now(): Date;
  /** The platform's PORTAL_TOKEN_SECRET: each tenant's API gets its own key derived from it. */
  portalTokenSecret?: string;
  /** The operator's SMTP_URL: each tenant's worker sends receipt e-mails through it. */
  smtpUrl?: string;
  /** Object storage that receives a copy of every scheduled backup (config.backupBucket). */
  bucket?: BackupBucket;
  /**
   * The informers' copy of owned objects (Watches.cached): an unchanged tenant is reconciled from
   * memory. Without it (tests of single reconciles) every object is read from the API server.
   */
  cached?: (ref: ObjectRef) => KubernetesObject | undefined;
}

export interface ReconcileResult {
  /** Reconcile again after this long (not ready yet); undefined when converged. */
  requeueAfterMs?: number;
  status?: TenantStatus;
}

/** Operator-only identity of a tenant (never mounted into its pods). */
export const IDENTITY_SECRET = 'tenant-identity';

export async function reconcileTenant(ctx: ReconcileContext, name: string): Promise<ReconcileResult> {
  const tenant = await readTenant(ctx, name);
  if (!tenant) return {};
  if (tenant.metadata.deletionTimestamp) return finalize(ctx, tenant);
  if (!tenant.metadata.finalizers?.includes(FINALIZER)) {
    await patchTenant(ctx, tenant, {
      metadata: { finalizers: [...(tenant.metadata.finalizers ?? []), FINALIZER] },
    });
  }
  const generation = tenant.metadata.generation ?? 0;
  const now = ctx.now();
  let conditions: Condition[] = tenant.status?.conditions ?? [];
  const set = (input: ConditionInput) => {
    conditions = setCondition(conditions, input, generation, now);
  };
  const schema = tenantSchemaName(tenant.spec.slug);
  // Independent reads go out together; each is awaited where it is needed.
  const userCreds = currentUserCreds(ctx, tenant);
  const downgrade = isDowngrade(ctx, tenant);
  for (const read of [userCreds, downgrade]) read.catch(() => {});
  // The tenant's database cluster is chosen before its identity is first stored, and stored with
  // it: from here on every database step (restore, roles, migrations, backups) runs on that cluster.
  const stored = await readIdentity(ctx, tenant);
  let placement;
  try {
    placement = await placeTenant(clustersOf(ctx), tenant, stored.DATABASE_CLUSTER);
  } catch (error) {
    if (!(error instanceof PlacementError)) throw error;
    for (const condition of unplacedConditions(error)) set(condition);
    set(readyCondition(conditions, tenant.spec.suspended ?? false));
    const status: TenantStatus = {
      ...tenant.status,
      phase: phaseOf(conditions, { suspended: tenant.spec.suspended ?? false, deleting: false }),
      observedGeneration: generation,
      conditions,
    };
    await writeStatus(ctx, tenant, status, now);
    return { status, requeueAfterMs: 30_000 };
  }
  const identity =
    isCompleteIdentity(stored) && !placement.chosen
      ? stored
      : await storeIdentity(ctx, tenant, {
          ...completeIdentity(stored),
          DATABASE_CLUSTER: placement.cluster.name,
        });
  const cluster = placement.cluster.name;
  const onTenantCluster = onCluster(ctx, placement.cluster);
  set(placementCondition(tenant, cluster));
  // A restore someone asked for (restore-request.ts): the annotation goes first, so a retried
  // reconcile never restores twice; the data steps below migrate and grant what was restored.
  const restoreFrom = tenant.metadata.annotations?.[RESTORE_ANNOTATION];
  if (restoreFrom !== undefined) {
    const into = tenant.metadata.annotations?.[RESTORE_INTO_ANNOTATION];
    await patchTenant(ctx, tenant, {
      metadata: { annotations: { [RESTORE_ANNOTATION]: null, [RESTORE_INTO_ANNOTATION]: null } },
    });
    const restored = await runRequestedRestore(
      { ...onTenantCluster, backupDir: ctx.config.backupDir },
      tenant,
      restoreFrom,
      into,
    );
    await recordEvents(ctx.objects, tenant, [restored], now);
  }
  const data = await provisionTenantData(onTenantCluster, tenant, identity, await userCreds);
  set(data.database);
  set(data.messaging);

  if (data.redisError) {
    set({
      type: 'WorkloadsReady',
      status: 'False',
      reason: 'RedisUserFailed',
      message: data.redisError,
    });
  } else if (data.credentials && data.redis) {
    try {
      const desired = desiredObjects(tenant, ctx.config, {
        databaseCluster: cluster,
        databaseRole: schema,
        databasePassword: data.credentials.password,
        schema,
        natsCredentials: data.credentials.messaging.userCreds,
        authSecret: identity.AUTH_SECRET,
        pinPeppers: identity.PIN_PEPPERS,
        redis: data.redis,
        ...(ctx.portalTokenSecret
          ? { portalTokenKey: portalTokenKey(ctx.portalTokenSecret, tenant.spec.slug) }
          : {}),
        ...(ctx.smtpUrl ? { smtpUrl: ctx.smtpUrl } : {}),
      });
      // On a downgrade the old, larger pods still count against the quota while the new ones roll
      // out: shrinking it first would deadlock the rollout, so the quota follows once it is done.
      const quota = desired.find((object) => object.kind === 'ResourceQuota')!;
      const deferQuota = await downgrade;
      await applyChanged(
        ctx.objects,
        deferQuota ? desired.filter((object) => object !== quota) : desired,
        ctx.cached,
      );
      await pruneAutoscaler(
        ctx,
        tenant,
        desired.some((object) => object.kind === 'HorizontalPodAutoscaler'),
      );
      const workloads = await workloadsCondition(ctx, tenant);
      if (deferQuota && workloads.status === 'True') {
        await applyChanged(ctx.objects, [quota], ctx.cached);
        set({
          ...workloads,
          status: 'False',
          reason: 'ResizingQuota',
          message: 'Shrinking the quota to the new plan.',
        });
      } else {
        set(workloads);
      }
    } catch (error) {
      set({
        type: 'WorkloadsReady',
        status: 'False',
        reason: 'ApplyFailed',
        message: (error as Error).message,
      });
    }
  } else {
    set({
      type: 'WorkloadsReady',
      status: 'False',
      reason: 'WaitingForDependencies',
      message: 'Database and messaging must be ready first.',
    });
  }

  // Backups once the schema is there; they never change whether the tenant is Ready.
  const backup =
    data.database.status === 'True'
      ? await runScheduledBackup({ ...onTenantCluster, backupDir: ctx.config.backupDir }, tenant, now)
      : undefined;
  if (backup) set(backup.condition);
  const lastBackup = backup ? backup.lastBackup : tenant.status?.lastBackup;

  const suspended = tenant.spec.suspended ?? false;
  set(readyCondition(conditions, suspended));
  const status: TenantStatus = {
    phase: phaseOf(conditions, { suspended, deleting: false }),
    observedGeneration: generation,
    url: tenantUrl(tenant, ctx.config),
    schema,
    namespace: namespaceName(tenant),
    database: { cluster },
    conditions,
    ...(lastBackup ? { lastBackup } : {}),
  };
  await writeStatus(ctx, tenant, status, now);
  await recordEvents(ctx.objects, tenant, backup?.events ?? [], now);
  const converged = status.phase === 'Ready' || status.phase === 'Suspended';
  // A converged tenant comes back when its next backup is due.
  const requeueAfterMs = converged ? backup?.nextInMs : 2000;
  return { status, ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }) };
}

/** Writes the status (and the Events of its condition transitions) only when it changed. */
async function writeStatus(
  ctx: ReconcileContext,
  tenant: Tenant,
  status: TenantStatus,
  now: Date,
): Promise<void> {
  const name = tenant.metadata.name!;
  const { conditions } = status;
  if (!sameStatus(tenant.status, status)) {
    await ctx.custom.patchClusterCustomObjectStatus(
      {
        group: TENANT_GROUP,
        version: TENANT_VERSION,
        plural: TENANT_PLURAL,
        name,
        // A merge patch keeps what it does not name: a copy the last backup lacks is removed by null.
        body: {
          status: status.lastBackup?.copiedTo
            ? status
            : {
                ...status,
                ...(status.lastBackup ? { lastBackup: { ...status.lastBackup, copiedTo: null } } : {}),
              },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await recordEvents(
      ctx.objects,
      tenant,
      transitionEvents(tenant.status?.conditions, conditions ?? []),
      now,
    );
  }
}

async function readTenant(ctx: ReconcileContext, name: string): Promise<Tenant | undefined> {
  // The watch delivered the change that queued this reconcile into the cache before queueing it.
  const cached = ctx.cached?.({ apiVersion: TENANT_API_VERSION, kind: TENANT_KIND, metadata: { name } });
  if (cached) return cached as Tenant;
  try {
    return (await ctx.custom.getClusterCustomObject({
      group: TENANT_GROUP,
      version: TENANT_VERSION,
      plural: TENANT_PLURAL,
      name,
    })) as Tenant;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** Set on every Tenant so that its data is handled by its deletion policy before it goes. */
export const FINALIZER = 'cloudpos.io/cleanup';

/**
 * Deletion: Retain keeps the schema, role and NATS account; Delete drops them; BackupThenDelete first
 * dumps the schema and verifies the dump, and drops nothing when that fails. The namespace and
 * everything in it then go by garbage collection once the finalizer is removed.
 */
async function finalize(ctx: ReconcileContext, tenant: Tenant): Promise<ReconcileResult> {
  if (!tenant.metadata.finalizers?.includes(FINALIZER)) return {};
  try {
    const identity = await readIdentity(ctx, tenant);
    const cluster = await clusterToClean(clustersOf(ctx), tenant, identity.DATABASE_CLUSTER);
    const events = await removeTenantData(onCluster(ctx, cluster), {
      slug: tenant.spec.slug,
      policy: tenant.spec.deletionPolicy ?? 'Retain',
      backupDir: ctx.config.backupDir,
      accountPublicKey: identity.NATS_ACCOUNT_PUBLIC_KEY,
    });
    await recordEvents(ctx.objects, tenant, events, ctx.now());
    await patchTenant(ctx, tenant, {
      metadata: {
        finalizers: (tenant.metadata.finalizers ?? []).filter((finalizer) => finalizer !== FINALIZER),
      },
    });
    return {};
  } catch (error) {
    const blocked = error instanceof BackupUnavailableError;
    const conditions = setCondition(
      tenant.status?.conditions,
      {
        type: 'Ready',
        status: 'False',
        reason: blocked ? 'DeletionBlocked' : 'CleanupFailed',
        message: blocked
          ? `Not deleting: the backup the deletion policy asks for cannot be made (${error.message}). Nothing was dropped; fix the backup or change deletionPolicy.`
          : (error as Error).message,
      },
      tenant.metadata.generation ?? 0,
      ctx.now(),
    );
    const status: TenantStatus = { ...tenant.status, phase: 'Deleting', conditions };
    if (!sameStatus(tenant.status, status)) {
      await patchTenant(ctx, tenant, { status }, true);
      await recordEvents(
        ctx.objects,
        tenant,
        transitionEvents(tenant.status?.conditions, conditions),
        ctx.now(),
      );
    }
    return { status, requeueAfterMs: 30_000 };
  }
}

/** A JSON merge patch guarded by the resourceVersion we read (a conflict means: reconcile again). */
async function patchTenant(
  ctx: ReconcileContext,
  tenant: Tenant,
  body: object,
  status = false,
): Promise<void> {
  const request = {
    group: TENANT_GROUP,
    version: TENANT_VERSION,
    plural: TENANT_PLURAL,
    name: tenant.metadata.name!,
    body: {
      ...body,
      metadata: {
        ...(body as { metadata?: object }).metadata,
        resourceVersion: tenant.metadata.resourceVersion,
      },
    },
  };
  const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  if (status) await ctx.custom.patchClusterCustomObjectStatus(request, options);
  else await ctx.custom.patchClusterCustomObject(request, options);
}

/** What `read` gets from the API server, or undefined when the object does not exist. */
async function readIfExists<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** One of the tenant's objects from the informers' cache when it has it, else from the API server. */
async function readOwned<T extends KubernetesObject>(
  ctx: ReconcileContext,
  ref: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } },
): Promise<T | undefined> {
  return (ctx.cached?.(ref) as T | undefined) ?? readIfExists(() => ctx.objects.read<T>(ref));
}

const decodeSecret = (secret: V1Secret | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(secret?.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );

async function readIdentity(ctx: ReconcileContext, tenant: Tenant): Promise<Partial<TenantIdentity>> {
  const metadata = { name: IDENTITY_SECRET, namespace: namespaceName(tenant) };
  // Never generated twice: an identity the cache lacks or has incomplete is read from the server.
  const copy = decodeSecret(ctx.cached?.({ apiVersion: 'v1', kind: 'Secret', metadata }));
  if (isCompleteIdentity(copy)) return copy;
  return decodeSecret(
    await readIfExists(() => ctx.objects.read<V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata })),
  );
}

/**
 * The tenant's secrets, stored in its namespace before anything is provisioned with them (see
 * TenantIdentity). The namespace comes first because the Secret lives in it.
 */
async function storeIdentity(
  ctx: ReconcileContext,
  tenant: Tenant,
  identity: TenantIdentity,
): Promise<TenantIdentity> {
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: objectMeta(tenant, IDENTITY_SECRET),
    type: 'Opaque',
    stringData: { ...identity },
  };
  await applyChanged(ctx.objects, [buildNamespace(tenant), secret], ctx.cached);
  return identity;
}

async function currentUserCreds(ctx: ReconcileContext, tenant: Tenant): Promise<string | undefined> {
  const metadata = { name: CREDENTIALS_SECRET, namespace: namespaceName(tenant) };
  const secret = await readOwned<V1Secret>(ctx, { apiVersion: 'v1', kind: 'Secret', metadata });
  return decodeSecret(secret)['nats.creds'];
}

/** An autoscaler left from a larger plan (or from before a suspension) would fight the replicas. */
async function pruneAutoscaler(ctx: ReconcileContext, tenant: Tenant, wanted: boolean): Promise<void> {
  if (wanted) return;
  const autoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'pos-api', namespace: namespaceName(tenant) },
  };
  // The operator alone creates autoscalers: one its cache does not show does not exist.
  if (ctx.cached && !ctx.cached(autoscaler)) return;
  try {
    // Read first: a resync of an unchanged tenant makes no write requests at all.
    await ctx.objects.read(autoscaler);
    await ctx.objects.delete(autoscaler);
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
  }
}

async function isDowngrade(ctx: ReconcileContext, tenant: Tenant): Promise<boolean> {
  const metadata = { name: 'tenant-quota', namespace: namespaceName(tenant) };
  const quota = await readOwned<V1ResourceQuota>(ctx, { apiVersion: 'v1', kind: 'ResourceQuota', metadata });
  const sizedFor = quota?.metadata?.labels?.[PLAN_LABEL] as Plan | undefined;
  return sizedFor !== undefined && PLAN_ORDER.indexOf(sizedFor) > PLAN_ORDER.indexOf(tenant.spec.plan);
}

async function workloadsCondition(ctx: ReconcileContext, tenant: Tenant): Promise<ConditionInput> {
  const namespace = namespaceName(tenant);
  const deployments = await Promise.all(
    ['pos-api', 'worker'].map(async (name) => {
      const ref = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace } };
      const copy: V1Deployment | undefined = ctx.cached?.(ref);
      return copy ?? ctx.objects.read<V1Deployment>(ref);
    }),
  );
  const notReady = deployments.filter((deployment) => !isAvailable(deployment));
  if (notReady.length > 0) {
    return {
      type: 'WorkloadsReady',
      status: 'False',
      reason: 'RollingOut',
      message: notReady
        .map(
          (d) =>
            `${d.metadata?.name}: ${d.status?.availableReplicas ?? 0}/${d.spec?.replicas ?? 0} available`,
        )
        .join(', '),
    };
  }
  const suspended = tenant.spec.suspended ?? false;
  return {
    type: 'WorkloadsReady',
    status: 'True',
    reason: suspended ? 'ScaledToZero' : 'Available',
    message: suspended
      ? 'Suspended: no replicas run.'
      : `pos-api and worker are available (${PLANS[tenant.spec.plan].apiReplicas}+ replicas by plan).`,
  };
}

/** Rolled out the way `kubectl rollout status` means it: every pod new, available, no old ones left. */
function isAvailable(deployment: V1Deployment): boolean {
  const wanted = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const current = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  const updated = status.updatedReplicas ?? 0;
  return (
    current &&
    updated >= wanted &&
    (status.replicas ?? 0) === updated &&
    (status.availableReplicas ?? 0) >= updated
  );
}
