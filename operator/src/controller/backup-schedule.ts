// Scheduled backups of a tenant's schema, shared by the cluster reconcile and local mode: when the
// schedule (spec.backup, else the plan's) says one is due, dump and verify the schema, keep the
// newest `keep` dumps, and report it as the BackedUp condition and status.lastBackup.
import { tenantSchemaName } from '@cloudpos/tenant-db';
import { basename } from 'node:path';
import type { Tenant, TenantStatus } from '../generated/tenant.ts';
import { backupTenantSchema, pruneBackups } from '../provision/backup.ts';
import { copyBackupToBucket, pruneBucketBackups, type BackupBucket } from '../provision/backup-bucket.ts';
import { PLANS } from '../specs/plans.ts';
import type { ConditionInput } from './conditions.ts';
import type { TenantEvent } from './events.ts';
import type { TenantDataContext } from './tenant-data.ts';

export interface BackupSchedule {
  /** Hours between two backups; 0: no scheduled backups. */
  intervalHours: number;
  keep: number;
}

export type LastBackup = NonNullable<TenantStatus['lastBackup']>;

/** A failed backup is tried again after this long (or at the next interval, if that is sooner). */
export const BACKUP_RETRY_MS = 15 * 60_000;

const HOUR_MS = 3_600_000;

export function backupScheduleOf(spec: Tenant['spec']): BackupSchedule {
  const plan = PLANS[spec.plan].backup;
  return {
    intervalHours: spec.backup?.intervalHours ?? plan.intervalHours,
    keep: spec.backup?.keep ?? plan.keep,
  };
}

/** When the next scheduled backup is due: now for a tenant never backed up; undefined when off. */
export function nextBackupAt(tenant: Pick<Tenant, 'spec' | 'status'>, now: Date): Date | undefined {
  const { intervalHours } = backupScheduleOf(tenant.spec);
  if (intervalHours === 0) return undefined;
  const last = tenant.status?.lastBackup?.time;
  return last ? new Date(Date.parse(last) + intervalHours * HOUR_MS) : now;
}

export interface ScheduledBackup {
  condition: ConditionInput;
  lastBackup?: LastBackup;
  events: TenantEvent[];
  /** Reconcile again after this long to take the next backup (undefined: none scheduled). */
  nextInMs?: number;
}

/**
 * Takes the backup when it is due; otherwise answers the state as it is. Never throws: a failed
 * backup is a False condition and a Warning event, the previous backups stay, nothing is dropped.
 */
export async function runScheduledBackup(
  ctx: Pick<TenantDataContext, 'postgres' | 'databaseUrl' | 'pgTools'> & {
    backupDir: string | undefined;
    /** Where each verified backup is also copied (and pruned with the same retention). */
    bucket?: BackupBucket | undefined;
  },
  tenant: Pick<Tenant, 'spec' | 'status'>,
  now: Date,
): Promise<ScheduledBackup> {
  const schedule = backupScheduleOf(tenant.spec);
  const lastBackup = tenant.status?.lastBackup;
  const kept = lastBackup ? { lastBackup } : {};
  const due = nextBackupAt(tenant, now);
  const none = (reason: string, message: string): ScheduledBackup => ({
    ...kept,
    events: [],
    condition: { type: 'BackedUp', status: 'False', reason, message },
  });
  if (!due) return none('NotScheduled', 'Scheduled backups are off (spec.backup.intervalHours is 0).');
  if (!ctx.backupDir)
    return none(
      'NoBackupTarget',
      'No backup directory is configured for the operator (backupDir); no backups are taken.',
    );
  const intervalMs = schedule.intervalHours * HOUR_MS;
  if (due.getTime() > now.getTime()) {
    // Until the next one, the condition tells how the last one went (a failed copy included).
    const previous = tenant.status?.conditions?.find((condition) => condition.type === 'BackedUp');
    return {
      ...kept,
      events: [],
      nextInMs: due.getTime() - now.getTime(),
      condition:
        previous && ['Completed', 'CopyFailed'].includes(previous.reason)
          ? { type: 'BackedUp', status: previous.status, reason: previous.reason, message: previous.message }
          : completed(lastBackup!, schedule),
    };
  }
  const schema = tenantSchemaName(tenant.spec.slug);
  try {
    const backup = await backupTenantSchema({
      admin: ctx.postgres,
      databaseUrl: ctx.databaseUrl,
      schema,
      dir: ctx.backupDir,
      now,
      ...ctx.pgTools,
    });
    const removed = await pruneBackups(ctx.backupDir, schema, schedule.keep);
    const written: LastBackup = {
      time: now.toISOString(),
      file: basename(backup.file),
      bytes: backup.bytes,
      tables: backup.tables.length,
    };
    if (ctx.bucket) {
      try {
        written.copiedTo = await copyBackupToBucket(ctx.bucket, backup.file);
        await pruneBucketBackups(ctx.bucket, schema, schedule.keep);
      } catch (error) {
        // The dump itself is good and kept: the next backup tries the bucket again.
        const message = `Schema ${schema} was backed up to ${written.file}, but not copied to object storage: ${(error as Error).message}`;
        return {
          lastBackup: written,
          nextInMs: intervalMs,
          condition: {
            type: 'BackedUp',
            status: 'False',
            reason: 'CopyFailed',
            message: message.slice(0, 4096),
          },
          events: [{ type: 'Warning', reason: 'BackupCopyFailed', message: message.slice(0, 1024) }],
        };
      }
    }
    return {
      lastBackup: written,
      nextInMs: intervalMs,
      condition: completed(written, schedule),
      events: [
        {
          type: 'Normal',
          reason: 'BackupCompleted',
          message: `Schema ${schema} backed up to ${written.file} (${written.tables} tables, verified${
            written.copiedTo ? `, copied to ${written.copiedTo}` : ''
          })${removed.length > 0 ? `; ${removed.length} older backup(s) removed` : ''}.`,
        },
      ],
    };
  } catch (error) {
    const message = `The scheduled backup of ${schema} failed; older backups are kept and it is retried: ${(error as Error).message}`;
    return {
      ...kept,
      nextInMs: Math.min(BACKUP_RETRY_MS, intervalMs),
      condition: {
        type: 'BackedUp',
        status: 'False',
        reason: 'BackupFailed',
        message: message.slice(0, 4096),
      },
      events: [{ type: 'Warning', reason: 'BackupFailed', message: message.slice(0, 1024) }],
    };
  }
}

const completed = (backup: LastBackup, schedule: BackupSchedule): ConditionInput => ({
  type: 'BackedUp',
  status: 'True',
  reason: 'Completed',
  message: `Last backup ${backup.time} (${backup.file}); every ${schedule.intervalHours} h, keeping ${schedule.keep}.`,
});
