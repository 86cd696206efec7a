// Local mode: Tenants without a cluster. The same manifests as in Kubernetes, validated against the
// same CRD schema (with its defaults), kept as files; the same data steps as the cluster reconcile
// (tenant-data.ts) provision the schema, role, NATS account and stream. Workloads are not deployed:
// the one pooled POS API of `npm start` serves every local tenant.
import { tenantSchemaName } from '@cloudpos/tenant-db';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { tenantSchema } from '../crd.ts';
import type { Tenant, TenantStatus } from '../generated/tenant.ts';
import { nextBackupAt, runScheduledBackup } from '../controller/backup-schedule.ts';
import type { BackupBucket } from '../provision/backup-bucket.ts';
import {
  phaseOf,
  readyCondition,
  sameStatus,
  setCondition,
  type Condition,
} from '../controller/conditions.ts';
import type { TenantEvent } from '../controller/events.ts';
import {
  clusterToClean,
  placeTenant,
  placementCondition,
  PlacementError,
  unplacedConditions,
} from '../controller/placement.ts';
import {
  clustersOf,
  completeIdentity,
  isCompleteIdentity,
  onCluster,
  provisionTenantData,
  removeTenantData,
  type TenantDataContext,
  type TenantIdentity,
} from '../controller/tenant-data.ts';

export { BACKUP_RETRY_MS } from '../controller/backup-schedule.ts';
export { latestBackup } from '../controller/restore-request.ts';
export {
  bucketUrlOf,
  copyBackupToBucket,
  fetchBackupFromBucket,
  listBucketBackups,
  openBackupBucket,
  parseBucketUrl,
  pruneBucketBackups,
  type BackupBucket,
} from '../provision/backup-bucket.ts';
/** Deletion by BackupThenDelete refused because the backup cannot be made (nothing was dropped). */
export {
  BackupUnavailableError,
  backupTenantSchema,
  listBackups,
  pruneBackups,
  restoreBesideTenantSchema,
  restoreTenantSchema,
} from '../provision/backup.ts';

export interface LocalTenantContext extends TenantDataContext {
  /** Where manifests, identities and credentials are kept (`.cloudpos/tenants`). */
  dir: string;
  /** The URL a tenant's till is served at by the pooled local POS API. */
  urlOf(slug: string): string;
  /** Where BackupThenDelete writes dumps. */
  backupDir?: string;
  now(): Date;
}

/** A manifest that does not fit the Tenant schema; the message lists every problem. */
export class InvalidTenantError extends Error {
  override name = 'InvalidTenantError';
}

/**
 * Manifests and each tenant's NATS user credentials (what the worker reads) live in `dir`; the
 * identity (database password, auth secret, NATS account seed) lives beside it in `identities/`,
 * which no service is pointed at: an account seed can mint users, and services need none.
 */
const files = (ctx: Pick<LocalTenantContext, 'dir'>, slug: string) => ({
  manifest: join(ctx.dir, `${slug}.yaml`),
  identity: join(identitiesDir(ctx), `${slug}.identity.json`),
  legacyIdentity: join(ctx.dir, `${slug}.identity.json`),
  creds: join(ctx.dir, `${slug}.nats.creds`),
});

const identitiesDir = (ctx: Pick<LocalTenantContext, 'dir'>) => join(dirname(ctx.dir), 'identities');

let validator: ((tenant: unknown) => ErrorObject[]) | undefined;

/** The CRD's structural schema with its defaults, as the API server would apply them (CEL aside). */
export async function validateTenant(manifest: unknown): Promise<Tenant> {
  if (!validator) {
    // strict: false because the schema carries Kubernetes' own keywords (x-kubernetes-*).
    const ajv = new Ajv({ strict: false, useDefaults: true, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(await tenantSchema());
    validator = (tenant) => (validate(tenant) ? [] : (validate.errors ?? []));
  }
  const tenant = structuredClone(manifest) as Tenant;
  const problems = validator(tenant).map(
    (error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}`,
  );
  if (tenant?.apiVersion !== 'cloudpos.io/v1alpha1' || tenant.kind !== 'Tenant')
    problems.unshift('apiVersion/kind must be cloudpos.io/v1alpha1 Tenant');
  // The CRD's CEL rule, checked here by hand as there is no API server to run it.
  if (tenant?.metadata?.name !== tenant?.spec?.slug) problems.push('metadata.name must equal spec.slug');
  if (problems.length > 0) throw new InvalidTenantError(`invalid Tenant: ${problems.join('; ')}`);
  return tenant;
}

export async function readLocalTenant(
  ctx: Pick<LocalTenantContext, 'dir'>,
  slug: string,
): Promise<Tenant | undefined> {
  const file = files(ctx, slug).manifest;
  if (!existsSync(file)) return undefined;
  return parse(await readFile(file, 'utf8')) as Tenant;
}

export async function listLocalTenants(ctx: Pick<LocalTenantContext, 'dir'>): Promise<Tenant[]> {
  if (!existsSync(ctx.dir)) return [];
  const names = (await readdir(ctx.dir)).filter((name) => name.endsWith('.yaml')).sort();
  return Promise.all(names.map(async (name) => parse(await readFile(join(ctx.dir, name), 'utf8')) as Tenant));
}

/** kubectl apply, locally: stores the manifest (keeping status and creation time) and reconciles it. */
export async function applyLocalTenant(ctx: LocalTenantContext, manifest: unknown): Promise<Tenant> {
  const tenant = await validateTenant(manifest);
  const slug = tenant.spec.slug;
  const existing = await readLocalTenant(ctx, slug);
  const changed = !existing || JSON.stringify(existing.spec) !== JSON.stringify(tenant.spec);
  const generation = (existing?.metadata.generation ?? 0) + (changed ? 1 : 0);
  await writeManifest(ctx, {
    ...tenant,
    metadata: {
      ...tenant.metadata,
      generation,
      creationTimestamp: existing?.metadata.creationTimestamp ?? ctx.now().toISOString(),
    } as Tenant['metadata'],
    ...(existing?.status ? { status: existing.status } : {}),
  });
  return reconcileLocalTenant(ctx, slug);
}

/** The local reconcile: identity first (stored before use), then database and messaging, then status. */
export async function reconcileLocalTenant(ctx: LocalTenantContext, slug: string): Promise<Tenant> {
  const tenant = await readLocalTenant(ctx, slug);
  if (!tenant) throw new Error(`no local tenant ${slug}`);
  const paths = files(ctx, slug);
  const stored = await ensureLocalIdentity(paths.identity, paths.legacyIdentity);
  const generation = tenant.metadata.generation ?? 1;
  const now = ctx.now();
  const suspended = tenant.spec.suspended ?? false;
  let conditions: Condition[] = tenant.status?.conditions ?? [];
  // Placed once, as in the cluster (controller/placement.ts); `npm start` has the one `default`.
  let placement;
  try {
    placement = await placeTenant(clustersOf(ctx), tenant, stored.DATABASE_CLUSTER);
  } catch (error) {
    if (!(error instanceof PlacementError)) throw error;
    for (const condition of unplacedConditions(error))
      conditions = setCondition(conditions, condition, generation, now);
    conditions = setCondition(conditions, readyCondition(conditions, suspended), generation, now);
    const unplaced = {
      ...tenant,
      status: {
        ...tenant.status,
        phase: phaseOf(conditions, { suspended, deleting: false }),
        observedGeneration: generation,
        conditions,
      },
    };
    await writeManifest(ctx, unplaced);
    return unplaced;
  }
  const identity: TenantIdentity = placement.chosen
    ? { ...stored, DATABASE_CLUSTER: placement.cluster.name }
    : stored;
  if (placement.chosen) await writeSecretFile(paths.identity, `${JSON.stringify(identity, null, 2)}\n`);
  const currentCreds = existsSync(paths.creds) ? await readFile(paths.creds, 'utf8') : undefined;
  const data = await provisionTenantData(onCluster(ctx, placement.cluster), tenant, identity, currentCreds);
  if (data.credentials && data.credentials.messaging.userCreds !== currentCreds)
    await writeSecretFile(paths.creds, data.credentials.messaging.userCreds);

  conditions = setCondition(conditions, placementCondition(tenant, placement.cluster.name), generation, now);
  conditions = setCondition(conditions, data.database, generation, now);
  conditions = setCondition(conditions, data.messaging, generation, now);
  conditions = setCondition(
    conditions,
    {
      type: 'WorkloadsReady',
      status: 'True',
      reason: 'PooledLocally',
      message: suspended
        ? 'Suspended: the local POS API serves this tenant read-only.'
        : 'Served by the local pooled POS API.',
    },
    generation,
    now,
  );
  conditions = setCondition(conditions, readyCondition(conditions, suspended), generation, now);
  const status: TenantStatus = {
    phase: phaseOf(conditions, { suspended, deleting: false }),
    observedGeneration: generation,
    url: ctx.urlOf(slug),
    schema: tenantSchemaName(slug),
    database: { cluster: placement.cluster.name },
    conditions,
    ...(tenant.status?.lastBackup ? { lastBackup: tenant.status.lastBackup } : {}),
  };
  const reconciled = { ...tenant, status };
  await writeManifest(ctx, reconciled);
  return reconciled;
}

/**
 * Scheduled backups, as the cluster operator takes them: every local tenant whose backup is due
 * (by spec.backup or its plan) is dumped into `backupDir`, verified and pruned; its status says so.
 * `npm start` runs this on a timer. Answers what happened, for the log.
 */
export async function backupDueLocalTenants(
  ctx: Pick<
    LocalTenantContext,
    'dir' | 'backupDir' | 'postgres' | 'databaseUrl' | 'databases' | 'pgTools' | 'now'
  > & {
    bucket?: BackupBucket | undefined;
  },
  /** Tenants not to try now (a failed backup waits BACKUP_RETRY_MS before the next try). */
  skip: ReadonlySet<string> = new Set(),
): Promise<{ slug: string; events: TenantEvent[]; failed: boolean }[]> {
  const done: { slug: string; events: TenantEvent[]; failed: boolean }[] = [];
  for (const listed of await listLocalTenants(ctx)) {
    if (skip.has(listed.spec.slug)) continue;
    const now = ctx.now();
    const due = nextBackupAt(listed, now);
    const databaseReady = listed.status?.conditions?.some(
      (condition) => condition.type === 'DatabaseReady' && condition.status === 'True',
    );
    if (!databaseReady || (due && due > now && hasCondition(listed, 'BackedUp'))) continue;
    // On the cluster its status names (`default` under `npm start`).
    const cluster = ctx.databases?.clusters.find((c) => c.name === listed.status?.database?.cluster);
    const backup = await runScheduledBackup(
      {
        ...ctx,
        ...(cluster ? { postgres: cluster.postgres, databaseUrl: cluster.databaseUrl } : {}),
        backupDir: ctx.backupDir,
        bucket: ctx.bucket,
      },
      listed,
      now,
    );
    // Read again just before writing: an apply meanwhile keeps its spec; only status is ours.
    const tenant = await readLocalTenant(ctx, listed.spec.slug);
    if (!tenant?.status) continue;
    const status: TenantStatus = {
      ...tenant.status,
      conditions: setCondition(
        tenant.status.conditions,
        backup.condition,
        tenant.metadata.generation ?? 1,
        now,
      ),
      ...(backup.lastBackup ? { lastBackup: backup.lastBackup } : {}),
    };
    if (!sameStatus(tenant.status, status)) await writeManifest(ctx, { ...tenant, status });
    if (backup.events.length > 0)
      done.push({
        slug: tenant.spec.slug,
        events: backup.events,
        failed: backup.condition.reason === 'BackupFailed',
      });
  }
  return done;
}

const hasCondition = (tenant: Tenant, type: string) =>
  tenant.status?.conditions?.some((condition) => condition.type === type) ?? false;

/** Deletion by the tenant's policy, as the finalizer does in the cluster; the files go last. */
export async function deleteLocalTenant(ctx: LocalTenantContext, slug: string): Promise<TenantEvent[]> {
  const tenant = await readLocalTenant(ctx, slug);
  if (!tenant) throw new Error(`no local tenant ${slug}`);
  const paths = files(ctx, slug);
  const identityFile = existsSync(paths.identity) ? paths.identity : paths.legacyIdentity;
  const identity = existsSync(identityFile)
    ? (JSON.parse(await readFile(identityFile, 'utf8')) as Partial<TenantIdentity>)
    : {};
  const cluster = await clusterToClean(clustersOf(ctx), tenant, identity.DATABASE_CLUSTER);
  const events = await removeTenantData(onCluster(ctx, cluster), {
    slug,
    policy: tenant.spec.deletionPolicy ?? 'Retain',
    backupDir: ctx.backupDir,
    accountPublicKey: identity.NATS_ACCOUNT_PUBLIC_KEY,
  });
  // Retained data stays usable: a tenant applied again with this slug finds its identity.
  if ((tenant.spec.deletionPolicy ?? 'Retain') !== 'Retain') {
    await rm(paths.identity, { force: true });
    await rm(paths.legacyIdentity, { force: true });
    await rm(paths.creds, { force: true });
  }
  await rm(paths.manifest, { force: true });
  return events;
}

async function ensureLocalIdentity(file: string, legacyFile: string): Promise<TenantIdentity> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Identities written next to the credentials by earlier versions move to their own folder.
  if (!existsSync(file) && existsSync(legacyFile)) await rename(legacyFile, file);
  const stored = existsSync(file)
    ? (JSON.parse(await readFile(file, 'utf8')) as Partial<TenantIdentity>)
    : {};
  if (isCompleteIdentity(stored)) return stored;
  const identity = completeIdentity(stored);
  await writeSecretFile(file, `${JSON.stringify(identity, null, 2)}\n`);
  return identity;
}

async function writeManifest(ctx: Pick<LocalTenantContext, 'dir'>, tenant: Tenant): Promise<void> {
  await mkdir(ctx.dir, { recursive: true });
  await writeAtomically(files(ctx, tenant.spec.slug).manifest, stringify(tenant), 0o644);
}

const writeSecretFile = (file: string, content: string) => writeAtomically(file, content, 0o600);

/** Write and rename: a crash leaves the old file or the new one, never half of one. */
async function writeAtomically(file: string, content: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, file);
}
