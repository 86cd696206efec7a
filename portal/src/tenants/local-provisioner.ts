// The operator's local mode, in the portal's process: no cluster, the same manifest validated
// against the CRD and reconciled into the local PostgreSQL and NATS.
import { applyLocalTenant, readLocalTenant, type LocalTenantContext } from '@cloudpos/operator/local';
import { tenantOrmConfig } from '@cloudpos/tenant-db';
import { MikroORM } from '@mikro-orm/postgresql';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { observedOf, type ObservedTenant, type TenantProvisioner } from './provisioner.ts';

export interface LocalProvisionerOptions {
  databaseUrl: string;
  tenantsDir: string;
  nats: { url: string; operatorSeed: string; systemUserCredsFile: string };
  tillUrl(slug: string): string;
}

export async function localProvisioner(options: LocalProvisionerOptions): Promise<TenantProvisioner> {
  const postgres = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  const orm = await MikroORM.init(tenantOrmConfig({ clientUrl: options.databaseUrl, poolMax: 2 }));
  const ctx: LocalTenantContext = {
    dir: options.tenantsDir,
    backupDir: join(dirname(options.tenantsDir), 'backups'),
    urlOf: (slug) => options.tillUrl(slug),
    postgres,
    databaseUrl: options.databaseUrl,
    orm,
    nats: {
      url: options.nats.url,
      operatorSeed: options.nats.operatorSeed,
      systemUserCreds: await readFile(options.nats.systemUserCredsFile, 'utf8'),
    },
    now: () => new Date(),
  };
  // One reconcile per tenant at a time in this process (the webhook and the retry loop may meet).
  const running = new Map<string, Promise<void>>();
  return {
    kind: 'local',
    async apply(manifest) {
      const slug = manifest.spec.slug;
      while (running.has(slug)) await running.get(slug)!.catch(() => {});
      const run = applyLocalTenant(ctx, manifest).then(() => {});
      running.set(slug, run);
      try {
        await run;
      } finally {
        running.delete(slug);
      }
    },
    async observe(slug): Promise<ObservedTenant | undefined> {
      const tenant = await readLocalTenant(ctx, slug);
      return tenant ? observedOf(tenant) : undefined;
    },
    async close() {
      await Promise.allSettled([...running.values()]);
      await orm.close();
      await postgres.end();
    },
  };
}
