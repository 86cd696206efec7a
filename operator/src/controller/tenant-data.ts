// The parts of a tenant that live outside Kubernetes (its Postgres schema and role, its NATS account
// and stream), shared by the cluster reconcile and local mode. Each step reports a condition; none
// throws for a provisioning failure, so one broken dependency never hides the state of the other.
import {
  addMissingStores,
  dropTenantDatabase,
  generateDatabasePassword,
  isTenantRoleCurrent,
  isTenantSchemaCurrent,
  migrateTenant,
  provisionTenantRole,
  tenantMigrations,
  tenantSchemaName,
  writeTenantProfile,
  type TenantProfile,
} from '@cloudpos/tenant-db';
import { createAccount, createUser } from '@nats-io/nkeys';
import { createHash, randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { Tenant } from '../generated/tenant.ts';
import { BackupUnavailableError, backupTenantSchema } from '../provision/backup.ts';
import {
  deleteTenantAccount,
  provisionTenantAccount,
  type NatsAdmin,
  type TenantMessaging,
} from '../provision/nats.ts';
import {
  deleteTenantRedisUser,
  provisionTenantRedisUser,
  type RedisAdmin,
  type TenantRedisUser,
} from '../provision/redis.ts';
import type { ConditionInput } from './conditions.ts';
import type { TenantEvent } from './events.ts';
import { singleCluster, type DatabaseClusterConnection, type DatabaseClusters } from './placement.ts';

export interface TenantDataContext {
  /**
   * Administrative connection to the tenant's database: the default cluster's in a context that
   * serves many tenants; `onCluster` points it at the cluster a tenant was placed on.
   */
  postgres: pg.Pool;
  /** The same database as a URL, for pg_dump. */
  databaseUrl: string;
  /** The tenant-db ORM, for migrations. */
  orm: MikroORM;
  /** Every cluster tenants may be placed on (ADR 0022); absent: the one above, named `default`. */
  databases?: DatabaseClusters;
  nats: NatsAdmin;
  /**
   * Creates each tenant's Redis ACL user. Local mode has none: its one pooled POS API uses the
   * platform's own Redis password.
   */
  redis?: RedisAdmin;
  /** pg_dump and pg_restore of the server's major (else PG_DUMP/PG_RESTORE, else PATH). */
  pgTools?: { pgDump: string; pgRestore: string };
  /**
   * What this process set each tenant role to (a digest of password and connection limit). A role
   * PostgreSQL shows as current and set here before is not provisioned again: an unchanged tenant
   * then costs one read instead of a turn at the provisioning lock and a dozen catalog writes.
   */
  rolesSet?: Map<string, string>;
}

/**
 * A tenant's secrets: generated once and stored (in the tenant's identity Secret, or a local file)
 * before anything is provisioned with them, so a crash between the two can never leave a role whose
 * password nobody knows or a second NATS account.
 */
export interface TenantIdentity {
  DATABASE_PASSWORD: string;
  NATS_ACCOUNT_SEED: string;
  NATS_ACCOUNT_PUBLIC_KEY: string;
  NATS_USER_SEED: string;
  /** Signs the tenant's staff tokens (the POS API's AUTH_SECRET). */
  AUTH_SECRET: string;
  /**
   * Peppers the tenant's PIN hashes (the POS API's PIN_PEPPERS, `v1:<base64>`): kept here, out of the
   * database, so a dump of it alone yields no PINs. Rotate by putting a new version in front.
   */
  PIN_PEPPERS: string;
  /** The tenant's Redis ACL user's (tenants from before it get one on their next reconcile). */
  REDIS_PASSWORD: string;
  /**
   * The database cluster the tenant was placed on (placement.ts), stored before anything is
   * provisioned there. Absent for tenants from before placement: placeTenant finds their schema.
   */
  DATABASE_CLUSTER?: string;
}

/** Every cluster of the context (see TenantDataContext.databases). */
export function clustersOf(ctx: TenantDataContext): DatabaseClusters {
  return (
    ctx.databases ?? singleCluster({ postgres: ctx.postgres, databaseUrl: ctx.databaseUrl, orm: ctx.orm })
  );
}

/** The context with its database steps pointed at one cluster: what follows a placed tenant. */
export function onCluster<T extends TenantDataContext>(ctx: T, cluster: DatabaseClusterConnection): T {
  return { ...ctx, postgres: cluster.postgres, databaseUrl: cluster.databaseUrl, orm: cluster.orm };
}

const IDENTITY_KEYS = [
  'DATABASE_PASSWORD',
  'NATS_ACCOUNT_SEED',
  'NATS_ACCOUNT_PUBLIC_KEY',
  'NATS_USER_SEED',
  'AUTH_SECRET',
  'PIN_PEPPERS',
  'REDIS_PASSWORD',
] as const;

export function isCompleteIdentity(identity: Partial<TenantIdentity>): identity is TenantIdentity {
  return IDENTITY_KEYS.every((key) => Boolean(identity[key]));
}

/** Fills in what is missing; keeps what exists (an account keeps its key for its whole life). */
export function completeIdentity(identity: Partial<TenantIdentity>): TenantIdentity {
  if (isCompleteIdentity(identity)) return identity;
  const account = identity.NATS_ACCOUNT_SEED ? undefined : createAccount();
  const accountSeed = identity.NATS_ACCOUNT_SEED ?? new TextDecoder().decode(account!.getSeed());
  return {
    DATABASE_PASSWORD: identity.DATABASE_PASSWORD ?? generateDatabasePassword(),
    NATS_ACCOUNT_SEED: accountSeed,
    NATS_ACCOUNT_PUBLIC_KEY: identity.NATS_ACCOUNT_PUBLIC_KEY ?? account!.getPublicKey(),
    NATS_USER_SEED: identity.NATS_USER_SEED ?? new TextDecoder().decode(createUser().getSeed()),
    AUTH_SECRET: identity.AUTH_SECRET ?? randomBytes(32).toString('base64url'),
    PIN_PEPPERS: identity.PIN_PEPPERS ?? `v1:${randomBytes(32).toString('base64')}`,
    REDIS_PASSWORD: identity.REDIS_PASSWORD ?? randomBytes(24).toString('base64url'),
    ...(identity.DATABASE_CLUSTER ? { DATABASE_CLUSTER: identity.DATABASE_CLUSTER } : {}),
  };
}

const CONNECTION_LIMIT = { starter: 10, growth: 40, scale: 150 } as const;

export interface ProvisionedData {
  database: ConditionInput;
  messaging: ConditionInput;
  /** Present when both parts are ready. */
  credentials?: { password: string; messaging: TenantMessaging };
  /** The tenant's Redis user, when the context has a Redis admin and it was provisioned. */
  redis?: TenantRedisUser;
  /** Why the Redis user could not be provisioned (the workloads wait for it). */
  redisError?: string;
}

export async function provisionTenantData(
  ctx: TenantDataContext,
  tenant: Pick<Tenant, 'spec'>,
  identity: TenantIdentity,
  /** The NATS credentials the tenant's workloads have now (kept when they still fit). */
  currentUserCreds?: string,
): Promise<ProvisionedData> {
  // Three independent parts, provisioned together: an unchanged tenant waits for the slowest.
  const [database, messaging, redis] = await Promise.all([
    provisionDatabase(ctx, tenant, identity),
    provisionMessaging(ctx, tenant, identity, currentUserCreds),
    ctx.redis
      ? provisionTenantRedisUser(ctx.redis, {
          slug: tenant.spec.slug,
          password: identity.REDIS_PASSWORD,
        }).then(
          (user) => ({ user }),
          (error: unknown) => ({ error: (error as Error).message }),
        )
      : undefined,
  ]);
  const password = database.password;
  const messagingCondition = messaging.condition;
  const redisUser = redis && 'user' in redis ? redis.user : undefined;
  const redisError = redis && 'error' in redis ? redis.error : undefined;
  return {
    database: database.condition,
    messaging: messagingCondition,
    ...(password && messaging.account ? { credentials: { password, messaging: messaging.account } } : {}),
    ...(redisUser ? { redis: redisUser } : {}),
    ...(redisError ? { redisError } : {}),
  };
}

const provisionFailed = (type: ConditionInput['type'], error: unknown): ConditionInput => ({
  type,
  status: 'False',
  reason: 'ProvisionFailed',
  message: (error as Error).message,
});

/** The tenant's role, schema (migrated), stores and profile; never throws. */
async function provisionDatabase(
  ctx: TenantDataContext,
  tenant: Pick<Tenant, 'spec'>,
  identity: TenantIdentity,
): Promise<{ condition: ConditionInput; password?: string }> {
  const schema = tenantSchemaName(tenant.spec.slug);
  try {
    const role = {
      schema,
      password: identity.DATABASE_PASSWORD,
      connectionLimit: CONNECTION_LIMIT[tenant.spec.plan],
    };
    const digest = createHash('sha256').update(`${role.password}\0${role.connectionLimit}`).digest('hex');
    const set = ctx.rolesSet?.get(schema) === digest && (await isTenantRoleCurrent(ctx.postgres, role));
    const { password } = set ? role : await provisionTenantRole(ctx.postgres, role);
    ctx.rolesSet?.set(schema, digest);
    // An unchanged tenant costs one read here, not the migrator's connection and lock.
    if (!(await isTenantSchemaCurrent(ctx.postgres, schema))) await migrateTenant(ctx.orm, schema);
    await addMissingStores(ctx.postgres, schema, specStores(tenant.spec));
    await writeTenantProfile(ctx.postgres, schema, specProfile(tenant.spec));
    // A stable message: the status is written only when something really changed.
    return {
      password,
      condition: {
        type: 'DatabaseReady',
        status: 'True',
        reason: 'Migrated',
        message: `Schema ${schema} is at migration ${tenantMigrations.at(-1)?.name ?? 'none'}.`,
      },
    };
  } catch (error) {
    return { condition: provisionFailed('DatabaseReady', error) };
  }
}

/** The tenant's NATS account, user and stream; never throws. */
async function provisionMessaging(
  ctx: TenantDataContext,
  tenant: Pick<Tenant, 'spec'>,
  identity: TenantIdentity,
  currentUserCreds: string | undefined,
): Promise<{ condition: ConditionInput; account?: TenantMessaging }> {
  try {
    const account = await provisionTenantAccount(ctx.nats, {
      slug: tenant.spec.slug,
      plan: tenant.spec.plan,
      accountSeed: identity.NATS_ACCOUNT_SEED,
      userSeed: identity.NATS_USER_SEED,
      ...(currentUserCreds ? { currentUserCreds } : {}),
    });
    return {
      account,
      condition: {
        type: 'MessagingReady',
        status: 'True',
        reason: 'AccountReady',
        message: `NATS account ${account.accountPublicKey} with stream ${account.stream}.`,
      },
    };
  } catch (error) {
    return { condition: provisionFailed('MessagingReady', error) };
  }
}

/**
 * The stores the Tenant names exist in its schema. Only missing ones are added: stores are managed
 * in the portal after that, and a store is never deleted because a manifest forgot it.
 */
function specStores(spec: Tenant['spec']) {
  return (spec.stores ?? []).map((store) => ({
    code: store.code,
    name: store.name,
    timezone: store.timezone ?? spec.timezone ?? 'UTC',
    currency: spec.currency,
  }));
}

/**
 * What the POS API learns about the tenant from its schema: name, currency, time zone and locale
 * (receipts), and read-only while suspended (pooled APIs).
 */
function specProfile(spec: Tenant['spec']): TenantProfile {
  return {
    displayName: spec.displayName,
    currency: spec.currency,
    timezone: spec.timezone ?? 'UTC',
    locale: spec.locale ?? 'en-US',
    readOnly: spec.suspended ?? false,
  };
}

export type DeletionPolicy = 'Retain' | 'Delete' | 'BackupThenDelete';

/**
 * Deletion by policy: Retain keeps the schema, role and NATS account; Delete drops them;
 * BackupThenDelete first dumps the schema and verifies the dump, and drops nothing when that fails
 * (it throws BackupUnavailableError). Returns the Events that tell what happened.
 */
export async function removeTenantData(
  ctx: TenantDataContext,
  input: {
    slug: string;
    policy: DeletionPolicy;
    backupDir: string | undefined;
    accountPublicKey: string | undefined;
  },
): Promise<TenantEvent[]> {
  const schema = tenantSchemaName(input.slug);
  const events: TenantEvent[] = [];
  // The Redis user holds no data (counters expire within minutes): it goes under every policy.
  if (ctx.redis) {
    await deleteTenantRedisUser(ctx.redis, input.slug);
    events.push({
      type: 'Normal',
      reason: 'RedisUserDeleted',
      message: `Redis user tenant-${input.slug} was removed.`,
    });
  }
  if (input.policy === 'BackupThenDelete') {
    if (!input.backupDir) throw new BackupUnavailableError('no backupDir is configured for the operator');
    const backup = await backupTenantSchema({
      admin: ctx.postgres,
      databaseUrl: ctx.databaseUrl,
      schema,
      dir: input.backupDir,
      ...ctx.pgTools,
    });
    events.push({
      type: 'Normal',
      reason: 'BackupCompleted',
      message: `Schema ${schema} backed up to ${backup.file} (${backup.tables.length} tables).`,
    });
  }
  if (input.policy === 'Retain') {
    events.push({
      type: 'Normal',
      reason: 'DataRetained',
      message: `Policy Retain: schema ${schema}, its role and NATS account are kept.`,
    });
    return events;
  }
  await dropTenantDatabase(ctx.postgres, schema);
  ctx.rolesSet?.delete(schema);
  if (input.accountPublicKey) await deleteTenantAccount(ctx.nats, input.accountPublicKey);
  events.push({
    type: 'Normal',
    reason: 'DataDeleted',
    message: `Schema ${schema}, its role and NATS account were removed.`,
  });
  return events;
}
