// BackupThenDelete dumps with PG_DUMP and PG_RESTORE (operator/src/provision/backup.ts), else with
// whatever pg_dump is on PATH: on Debian that is 15, which refuses the platform's PostgreSQL 18. The
// local commands point both at the pg_dump of the server's major that ensure-tools caches, unless the
// person running them chose their own.
import { ActionableError, locatePgClientTools } from '@cloudpos/harness';
import { openBackupBucket, parseBucketUrl, type BackupBucket } from '@cloudpos/operator/local';

export async function withBackupTools(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (env.PG_DUMP && env.PG_RESTORE) return env;
  const tools = await locatePgClientTools();
  return { ...env, PG_DUMP: env.PG_DUMP ?? tools.pgDump, PG_RESTORE: env.PG_RESTORE ?? tools.pgRestore };
}

/**
 * Object storage for copies of the local backups, when CLOUDPOS_BACKUP_BUCKET names one
 * (`s3://bucket/prefix`; CLOUDPOS_BACKUP_BUCKET_ENDPOINT for an S3-compatible server, keys in
 * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as the AWS SDK reads them).
 */
export function localBackupBucket(env: NodeJS.ProcessEnv = process.env): BackupBucket | undefined {
  const url = env.CLOUDPOS_BACKUP_BUCKET;
  if (!url) return undefined;
  try {
    parseBucketUrl(url);
  } catch {
    throw new ActionableError(
      `CLOUDPOS_BACKUP_BUCKET is not a bucket URL: ${url}`,
      'set it to s3://<bucket> or s3://<bucket>/<prefix>, or unset it',
    );
  }
  return openBackupBucket({
    url,
    ...(env.CLOUDPOS_BACKUP_BUCKET_ENDPOINT ? { endpoint: env.CLOUDPOS_BACKUP_BUCKET_ENDPOINT } : {}),
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
  });
}
