// Local tenants: the operator's local mode wired to this machine's engines and .cloudpos/ folders.
import { MikroORM } from '@mikro-orm/postgresql';
import { join } from 'node:path';
import pg from 'pg';
import type { LocalTenantContext } from '@cloudpos/operator/local';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import type { LocalEngines } from './infra.ts';
import type { LocalSettings } from './settings.ts';

export interface LocalTenants {
  ctx: LocalTenantContext;
  close(): Promise<void>;
}

/** Tills are served by the pooled POS API by host name: `<slug>.localhost` is loopback in browsers. */
export const localTenantUrl = (settings: LocalSettings, slug: string) =>
  `http://${slug}.localhost:${settings.ports.api}`;

export async function openLocalTenants(
  settings: LocalSettings,
  engines: LocalEngines,
): Promise<LocalTenants> {
  const postgres = new pg.Pool({ connectionString: engines.databaseUrl, max: 2 });
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: engines.databaseUrl, poolMax: 2 }));
  return {
    ctx: {
      dir: join(settings.home, 'tenants'),
      backupDir: join(settings.home, 'backups'),
      urlOf: (slug) => localTenantUrl(settings, slug),
      postgres,
      databaseUrl: engines.databaseUrl,
      orm,
      nats: engines.nats,
      now: () => new Date(),
    },
    async close() {
      await orm.close();
      await postgres.end();
    },
  };
}
