// Generates the next tenant migration from the entity definitions:
//   npm run migration:create -w @cloudpos/tenant-db -- <name>
// It starts a throw-away PostgreSQL, applies the existing migrations, diffs the entities against the
// result, and writes the new migration into src/migrations (add it to src/migrations/index.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { generatePassword, startPostgres } from '@cloudpos/harness';
import { tenantOrmConfig } from '../src/config.ts';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('usage: create-migration <snake_case_name>\n');
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), 'cloudpos-migration-'));
const server = await startPostgres({ dir, password: generatePassword(), durable: false });
try {
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: server.url }));
  try {
    await orm.migrator.up();
    const result = await orm.migrator.create(
      join(import.meta.dirname, '..', 'src', 'migrations'),
      false,
      false,
      name,
    );
    process.stdout.write(
      result.fileName
        ? `wrote src/migrations/${result.fileName}; add it to src/migrations/index.ts\n`
        : 'entities and migrations already agree: nothing to generate\n',
    );
  } finally {
    await orm.close();
  }
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
