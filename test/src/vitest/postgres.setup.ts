// vitest global setup: a real PostgreSQL for the project; tests read its URL with inject('postgresUrl')
// and its log file with inject('postgresLogFile'). Its pg_dump and pg_restore (of the server's
// major, from ensure-tools) come with it: provided as inject('pgDumpPath') / inject('pgRestorePath')
// and exported as PG_DUMP / PG_RESTORE, which the operator's BackupThenDelete reads, in the test
// workers and in every process a test starts.
import type { TestProject } from 'vitest/node';
import { generatePassword, startPostgres } from '../infra/postgres.ts';
import { locatePgClientTools } from '../tools/locate.ts';
import { withTempDir } from './infra.ts';
import './provided.ts';

export default async function setup(project: TestProject) {
  const tools = await locatePgClientTools();
  process.env.PG_DUMP = tools.pgDump;
  process.env.PG_RESTORE = tools.pgRestore;
  const { instance, teardown } = await withTempDir(project, 'postgres', (dir) =>
    startPostgres({ dir, password: generatePassword(), durable: false }),
  );
  project.provide('postgresUrl', instance.url);
  project.provide('postgresVersion', instance.version);
  project.provide('postgresLogFile', instance.process.logFile);
  project.provide('pgDumpPath', tools.pgDump);
  project.provide('pgRestorePath', tools.pgRestore);
  return teardown;
}
