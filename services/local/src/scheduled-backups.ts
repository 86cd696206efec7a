// Scheduled backups under `npm start`, as the cluster operator takes them: once a minute, every local
// tenant whose backup is due (by its spec.backup or its plan) is dumped into .cloudpos/backups with
// the pg_dump of the server's major, verified and pruned, and its status says so.
import { BACKUP_RETRY_MS, backupDueLocalTenants } from '@cloudpos/operator/local';
import { locatePgClientTools } from '@cloudpos/harness';
import { join } from 'node:path';
import pg from 'pg';
import { localBackupBucket } from './backup-tools.ts';
import type { LocalEngines } from './infra.ts';
import type { LocalSettings } from './settings.ts';

export const BACKUP_CHECK_MS = 60_000;

export async function startScheduledBackups(
  settings: LocalSettings,
  engines: LocalEngines,
  say: (line: string) => void,
): Promise<{ stop(): Promise<void> }> {
  // One connection of its own; a PostgreSQL restart (the supervisor brings it back) only fails
  // the check that meets it, and the next one connects again.
  const postgres = new pg.Pool({ connectionString: engines.databaseUrl, max: 1 });
  postgres.on('error', () => {});
  const ctx = {
    dir: join(settings.home, 'tenants'),
    backupDir: join(settings.home, 'backups'),
    postgres,
    databaseUrl: engines.databaseUrl,
    pgTools: await locatePgClientTools(),
    bucket: localBackupBucket(),
    now: () => new Date(),
  };
  let running: Promise<void> | undefined;
  let lastProblem = '';
  /** When each tenant whose backup failed is tried again. */
  const retryAt = new Map<string, number>();
  const check = () => {
    const now = Date.now();
    const waiting = new Set([...retryAt].filter(([, at]) => at > now).map(([slug]) => slug));
    running ??= backupDueLocalTenants(ctx, waiting)
      .then((done) => {
        lastProblem = '';
        for (const { slug, events, failed } of done) {
          if (failed) retryAt.set(slug, Date.now() + BACKUP_RETRY_MS);
          else retryAt.delete(slug);
          for (const event of events) say(`Backup       ${slug}: ${event.message}`);
        }
      })
      .catch((error: unknown) => {
        // Said once, not every minute; the next check tries again.
        const problem = error instanceof Error ? error.message : String(error);
        if (problem !== lastProblem) say(`Backup       could not check the tenants' backups: ${problem}`);
        lastProblem = problem;
      })
      .finally(() => {
        running = undefined;
      });
  };
  check();
  const timer = setInterval(check, BACKUP_CHECK_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      ctx.bucket?.destroy();
      await postgres.end();
    },
  };
}
