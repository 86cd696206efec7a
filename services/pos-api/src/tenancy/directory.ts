// Where the API learns which tenants exist and their settings. Dedicated: one tenant, from the
// configuration the operator writes (ConfigMap). Pooled: any tenant whose schema exists in the
// database, its currency/time zone/read-only flag read from the schema and cached briefly per slug.
import { TENANT_PROFILE_SETTING, tenantSchemaName } from '@cloudpos/tenant-db';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config.ts';
import type { TenantInfo } from './context.ts';

export interface TenantDirectory {
  readonly mode: 'dedicated' | 'pooled';
  /** The one tenant a dedicated API serves. */
  readonly fixedSlug?: string;
  /** The tenant, or undefined when there is no such tenant. */
  lookup(slug: string): Promise<TenantInfo | undefined>;
}

const SLUG = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

export function dedicatedDirectory(config: Config): TenantDirectory {
  const slug = config.TENANT_SLUG;
  if (!slug || !config.TENANT_CURRENCY)
    throw new Error('dedicated mode needs TENANT_SLUG and TENANT_CURRENCY');
  const tenant: TenantInfo = Object.freeze({
    slug,
    schema: config.DATABASE_SCHEMA ?? tenantSchemaName(slug),
    currency: config.TENANT_CURRENCY,
    timezone: config.TENANT_TIMEZONE,
    readOnly: config.TENANT_READ_ONLY,
  });
  return { mode: 'dedicated', fixedSlug: slug, lookup: async (name) => (name === slug ? tenant : undefined) };
}

/**
 * The tenant's profile lives in a setting row (`TENANT_PROFILE_SETTING`, written by the operator
 * through @cloudpos/tenant-db). Without it, the tenant's first store gives currency and time zone,
 * and the tenant is writable.
 */
export { TENANT_PROFILE_SETTING };

interface CacheEntry {
  expires: number;
  value: Promise<TenantInfo | undefined>;
}

export interface PooledDirectoryOptions {
  ttlMs: number;
  /** Unknown slugs are remembered for less time, and the cache never holds more than this. */
  maxEntries?: number;
  now?: () => number;
}

export function pooledDirectory(orm: MikroORM, options: PooledDirectoryOptions): TenantDirectory {
  const cache = new Map<string, CacheEntry>();
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  return {
    mode: 'pooled',
    async lookup(slug) {
      if (!SLUG.test(slug)) return undefined;
      const cached = cache.get(slug);
      if (cached && cached.expires > now()) return cached.value;
      // One load per slug at a time (concurrent requests share it); failures are not cached.
      const value = loadTenant(orm, slug);
      const entry: CacheEntry = { expires: now() + options.ttlMs, value };
      cache.delete(slug);
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(slug, entry);
      value.then(
        (tenant) => {
          // A tenant created a moment ago must not stay unknown for a whole TTL.
          if (!tenant) entry.expires = Math.min(entry.expires, now() + Math.min(options.ttlMs, 5_000));
        },
        () => {
          if (cache.get(slug) === entry) cache.delete(slug);
        },
      );
      return value;
    },
  };
}

interface ProfileRow {
  profile: { currency?: unknown; timezone?: unknown; readOnly?: unknown } | null;
  store: { currency: string; timezone: string } | null;
}

async function loadTenant(orm: MikroORM, slug: string): Promise<TenantInfo | undefined> {
  const schema = tenantSchemaName(slug);
  const connection = orm.em.getConnection();
  const [found] = await connection.execute<{ migrated: boolean }[]>(
    // The schema exists and has the staff tables (a tenant half-way through provisioning does not).
    `select to_regclass(?) is not null as migrated from pg_namespace where nspname = ?`,
    [`"${schema}"."staff_member"`, schema],
  );
  if (!found?.migrated) return undefined;
  // Raw SQL names the schema itself: this connection's search_path is not the tenant's.
  const [row] = await connection.execute<ProfileRow[]>(
    `select
       (select value from "${schema}"."setting" where key = ?) as profile,
       (select json_build_object('currency', currency, 'timezone', timezone)
          from "${schema}"."store" order by created_at, code limit 1) as store`,
    [TENANT_PROFILE_SETTING],
  );
  const profile = row?.profile ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    slug,
    schema,
    currency: text(profile.currency) ?? row?.store?.currency ?? 'XXX',
    timezone: text(profile.timezone) ?? row?.store?.timezone ?? 'UTC',
    readOnly: profile.readOnly === true,
  };
}
