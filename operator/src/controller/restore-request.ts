// A restore asked for in the cluster, the way `npm run tenant -- restore` does it locally:
// `kubectl annotate tenant <slug> cloudpos.io/restore-from=<backup>` names one of the operator's
// backups (a file name in its backupDir, a copy in its bucket, or `latest`). The next reconcile
// restores it into the tenant's schema (the schema as it was is kept aside), removes the annotation
// and tells what happened in an Event; a refused restore changes nothing. With
// `cloudpos.io/restore-into=<schema>` (or `new`) as well, the backup goes beside the live data into
// a new schema and the tenant is left as it is.
import { tenantMigrations, tenantSchemaName } from '@cloudpos/tenant-db';
import { basename, join } from 'node:path';
import type { Tenant } from '../generated/tenant.ts';
import { listBackups, restoreBesideTenantSchema, restoreTenantSchema } from '../provision/backup.ts';
import {
  bucketUrlOf,
  fetchBackupFromBucket,
  listBucketBackups,
  parseBucketUrl,
  type BackupBucket,
} from '../provision/backup-bucket.ts';
import type { TenantEvent } from './events.ts';
import type { TenantDataContext } from './tenant-data.ts';

export const RESTORE_ANNOTATION = 'cloudpos.io/restore-from';
export const RESTORE_INTO_ANNOTATION = 'cloudpos.io/restore-into';

export type RestoreContext = Pick<TenantDataContext, 'postgres' | 'databaseUrl' | 'pgTools'> & {
  backupDir: string | undefined;
  bucket?: BackupBucket | undefined;
};

/** Performs the restore the annotation asks for; never throws (a refusal is a Warning event). */
export async function runRequestedRestore(
  ctx: RestoreContext,
  tenant: Pick<Tenant, 'spec'>,
  from: string,
  /** A new schema's name (`new`: the default name) to restore beside the live data. */
  into?: string,
): Promise<TenantEvent> {
  const schema = tenantSchemaName(tenant.spec.slug);
  try {
    const file = await backupFile(ctx, schema, from);
    const options = {
      admin: ctx.postgres,
      databaseUrl: ctx.databaseUrl,
      schema,
      file,
      knownMigrations: tenantMigrations.map((migration) => migration.name),
      ...(ctx.pgTools ?? {}),
    };
    if (into !== undefined) {
      const beside = await restoreBesideTenantSchema({ ...options, ...(into === 'new' ? {} : { into }) });
      return {
        type: 'Normal',
        reason: 'RestoreCompleted',
        message: `${basename(file)} restored into schema ${beside.schema} (${beside.tables.length} tables) beside ${schema}, which is unchanged; only administrators can read it.`,
      };
    }
    const restored = await restoreTenantSchema(options);
    return {
      type: 'Normal',
      reason: 'RestoreCompleted',
      message: `Schema ${schema} restored from ${basename(file)} (${restored.tables.length} tables); its data as it was is kept in schema ${restored.replacedBy}.`,
    };
  } catch (error) {
    return {
      type: 'Warning',
      reason: 'RestoreFailed',
      message: `Not restored (${from}): ${(error as Error).message}`.slice(0, 1024),
    };
  }
}

/** The local file to restore from: a file name in backupDir, a bucket copy (fetched), or `latest`. */
async function backupFile(ctx: RestoreContext, schema: string, from: string): Promise<string> {
  const dir = ctx.backupDir;
  if (!dir) throw new Error('the operator has no backupDir, so it has no backups');
  if (from.startsWith('s3://')) {
    if (!ctx.bucket) throw new Error('the operator has no backup bucket configured');
    const { bucket, prefix: key } = parseBucketUrl(from);
    if (bucket !== ctx.bucket.bucket)
      throw new Error(`${from} is not in the operator's bucket ${bucketUrlOf(ctx.bucket)}`);
    return fetchBackupFromBucket(ctx.bucket, key, dir);
  }
  if (from === 'latest') {
    const latest = await latestBackup(dir, ctx.bucket, schema);
    if (!latest) throw new Error(`there is no backup of ${schema}`);
    return latest.file;
  }
  // A name, never a path: the annotation must not reach outside the backup folder.
  if (!/^[A-Za-z0-9_.-]+\.dump$/.test(from) || from.startsWith('.'))
    throw new Error('the annotation must name a backup file (<schema>-<time>.dump), an s3:// copy or latest');
  return join(dir, from);
}

/**
 * The newest backup of `schema`: the folder's, or the bucket's copy when that is newer (fetched into
 * the folder first; the file names carry the backup's time). Undefined when there is none.
 */
export async function latestBackup(
  dir: string,
  bucket: BackupBucket | undefined,
  schema: string,
): Promise<{ file: string; fetchedFrom?: string } | undefined> {
  const local = (await listBackups(dir, schema))[0];
  const copy = bucket ? (await listBucketBackups(bucket, schema))[0] : undefined;
  if (bucket && copy && (!local || basename(copy.key) > basename(local.file)))
    return {
      file: await fetchBackupFromBucket(bucket, copy.key, dir),
      fetchedFrom: bucketUrlOf(bucket, copy.key),
    };
  return local ? { file: local.file } : undefined;
}
