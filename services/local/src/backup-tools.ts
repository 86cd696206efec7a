// BackupThenDelete dumps with PG_DUMP and PG_RESTORE (operator/src/provision/backup.ts), else with
// whatever pg_dump is on PATH: on Debian that is 15, which refuses the platform's PostgreSQL 18. The
// local commands point both at the pg_dump of the server's major that ensure-tools caches, unless the
// person running them chose their own.
import { locatePgClientTools } from '@cloudpos/harness';

export async function withBackupTools(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (env.PG_DUMP && env.PG_RESTORE) return env;
  const tools = await locatePgClientTools();
  return { ...env, PG_DUMP: env.PG_DUMP ?? tools.pgDump, PG_RESTORE: env.PG_RESTORE ?? tools.pgRestore };
}
