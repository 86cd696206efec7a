// The rows that programs other than the POS API write into a tenant's schema: the operator's
// stores and profile (from the Tenant's spec) and local mode's demo staff and till. Their SQL
// lives here, beside the migrations that define the tables, so a column change is one package's.
// Every writer only adds what is missing, and never overwrites what the tenant has changed since.
import type pg from 'pg';
import { assertSchemaName } from './migrate.ts';
import type { StaffRole } from './entities/staff-member.ts';

/** The setting row that holds the tenant's profile (`setting.key`). */
export const TENANT_PROFILE_SETTING = 'tenant.profile';

/** What the POS API learns about its tenant from the schema (receipts, money, suspension). */
export interface TenantProfile {
  displayName: string;
  currency: string;
  timezone: string;
  locale: string;
  /** Suspended: pooled APIs refuse writes. */
  readOnly: boolean;
}

type Queryable = Pick<pg.Pool, 'query'>;

const table = (schema: string, name: string) => {
  assertSchemaName(schema);
  return `"${schema}"."${name}"`;
};

/** Adds the stores whose code is missing; an existing store (renamed, closed) is left as it is. */
export async function addMissingStores(
  db: Queryable,
  schema: string,
  stores: readonly { code: string; name: string; timezone: string; currency: string }[],
): Promise<void> {
  for (const store of stores) {
    await db.query(
      `insert into ${table(schema, 'store')} (id, code, name, timezone, currency)
       values (gen_random_uuid(), $1, $2, $3, $4) on conflict (code) do nothing`,
      [store.code, store.name, store.timezone, store.currency],
    );
  }
}

export async function countStores(db: Queryable, schema: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from ${table(schema, 'store')}`);
  return rows[0]!.n;
}

/** Writes the profile; the row (and its `updated_at`) is touched only when the profile changed. */
export async function writeTenantProfile(
  db: Queryable,
  schema: string,
  profile: TenantProfile,
): Promise<void> {
  const setting = table(schema, 'setting');
  await db.query(
    `insert into ${setting} (key, value) values ($1, $2)
     on conflict (key) do update set value = excluded.value, updated_at = now()
     where ${setting}.value is distinct from excluded.value`,
    [TENANT_PROFILE_SETTING, JSON.stringify(profile)],
  );
}

export interface SeedStaffMember {
  id: string;
  code: string;
  displayName: string;
  role: StaffRole;
  /** Hashed by the caller with the API's PIN hasher and peppers. */
  pinHash: string;
}

/** Adds the staff members whose id is missing (a PIN changed since is kept). */
export async function addMissingStaff(
  db: Queryable,
  schema: string,
  members: readonly SeedStaffMember[],
): Promise<void> {
  for (const member of members) {
    await db.query(
      `insert into ${table(schema, 'staff_member')} (id, code, display_name, role, pin_hash)
       values ($1, $2, $3, $4, $5) on conflict do nothing`,
      [member.id, member.code, member.displayName, member.role, member.pinHash],
    );
  }
}

/** The staff ids among `ids` that exist, so a caller hashes PINs only for the missing ones. */
export async function existingStaffIds(
  db: Queryable,
  schema: string,
  ids: readonly string[],
): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `select id from ${table(schema, 'staff_member')} where id = any($1)`,
    [ids],
  );
  return new Set(rows.map((row) => row.id));
}

/** Adds a till device when its id is missing (`secretHash`: the SHA-256 of its secret, hex). */
export async function addMissingTillDevice(
  db: Queryable,
  schema: string,
  device: { id: string; name: string; secretHash: string; registeredById: string },
): Promise<void> {
  await db.query(
    `insert into ${table(schema, 'till_device')} (id, name, secret_hash, registered_by_id)
     values ($1, $2, $3, $4) on conflict do nothing`,
    [device.id, device.name, device.secretHash, device.registeredById],
  );
}
