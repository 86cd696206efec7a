// vitest global setup: a real PostgreSQL for the project; tests read its URL with inject('postgresUrl')
// and its log file with inject('postgresLogFile').
import type { TestProject } from 'vitest/node';
import { generatePassword, startPostgres } from '../infra/postgres.ts';
import { withTempDir } from './infra.ts';
import './provided.ts';

export default async function setup(project: TestProject) {
  const { instance, teardown } = await withTempDir(project, 'postgres', (dir) =>
    startPostgres({ dir, password: generatePassword(), durable: false }),
  );
  project.provide('postgresUrl', instance.url);
  project.provide('postgresVersion', instance.version);
  project.provide('postgresLogFile', instance.process.logFile);
  return teardown;
}
