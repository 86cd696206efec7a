// Local mode has no operator yet: the demo tenant's schema is created and migrated through the same
// entry point the operator will use, and gets one store so there is something to look at.
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Store, migrateTenant, tenantOrmConfig, tenantSchemaName } from '@cloudpos/tenant-db';

export interface DemoTenant {
  schema: string;
  applied: string[];
  stores: number;
}

export async function prepareDemoTenant(databaseUrl: string): Promise<DemoTenant> {
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: databaseUrl, poolMax: 2 }));
  try {
    const schema = tenantSchemaName('demo');
    const { applied } = await migrateTenant(orm, schema);
    const em = orm.em.fork({ schema });
    if ((await em.count(Store)) === 0) {
      em.create(Store, {
        id: randomUUID(),
        code: 'MAIN',
        name: 'Demo Store',
        timezone: 'Europe/Berlin',
        currency: 'EUR',
      });
      await em.flush();
    }
    return { schema, applied, stores: await em.count(Store) };
  } finally {
    await orm.close();
  }
}
