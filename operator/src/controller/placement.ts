// Which PostgreSQL cluster holds a tenant (ADR 0022). A tenant is placed once: by its
// spec.database.cluster, else by the operator's rule (the default cluster, or the one with the
// fewest tenants). The choice is stored with the tenant's identity before anything is provisioned
// there, so a crash or a lost status can never put one tenant's data on two clusters; a tenant from
// before placement existed is found where its schema is. Moving a tenant is refused, never done.
import { tenantSchemaName } from '@cloudpos/tenant-db';
import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import type { PlacementRule } from '../config.ts';
import type { Tenant } from '../generated/tenant.ts';
import type { ConditionInput } from './conditions.ts';

/** The operator's admin connection to one cluster's tenant database. */
export interface DatabaseClusterConnection {
  name: string;
  postgres: pg.Pool;
  /** The same database as a URL, for pg_dump and pg_restore. */
  databaseUrl: string;
  /** The tenant-db ORM on it, for migrations. */
  orm: MikroORM;
}

export interface DatabaseClusters {
  /** In the configured order (FewestTenants breaks ties by it). */
  clusters: DatabaseClusterConnection[];
  defaultCluster: string;
  rule: PlacementRule;
}

/** Nowhere to put the tenant (or its recorded cluster is gone): nothing is provisioned. */
export class PlacementError extends Error {
  override name = 'PlacementError';
  readonly reason: 'UnknownDatabaseCluster' | 'AmbiguousPlacement';
  constructor(message: string, reason: PlacementError['reason']) {
    super(message);
    this.reason = reason;
  }
}

/** The one cluster of a context that has no list (local mode, single-cluster tests): `default`. */
export function singleCluster(connection: Omit<DatabaseClusterConnection, 'name'>): DatabaseClusters {
  return {
    clusters: [{ name: 'default', ...connection }],
    defaultCluster: 'default',
    rule: 'Default',
  };
}

export interface Placement {
  cluster: DatabaseClusterConnection;
  /** Whether this call chose the cluster (then the caller stores it before provisioning). */
  chosen: boolean;
}

/**
 * The tenant's cluster: the recorded one; else the one that already holds its schema (a tenant from
 * before placement, or whose record was lost); else spec.database.cluster; else the rule's.
 */
export async function placeTenant(
  databases: DatabaseClusters,
  tenant: Pick<Tenant, 'spec'>,
  recorded: string | undefined,
): Promise<Placement> {
  const known = databases.clusters.map((cluster) => cluster.name).join(', ');
  const byName = (name: string) => databases.clusters.find((cluster) => cluster.name === name);
  if (recorded) {
    const cluster = byName(recorded);
    if (!cluster)
      throw new PlacementError(
        `The tenant's data is on database cluster ${recorded}, which this operator is not configured with (it has ${known}); nothing was provisioned.`,
        'UnknownDatabaseCluster',
      );
    return { cluster, chosen: false };
  }
  const schema = tenantSchemaName(tenant.spec.slug);
  const holding = [];
  for (const cluster of databases.clusters) {
    const found = await cluster.postgres.query('select 1 from pg_namespace where nspname = $1', [schema]);
    if (found.rowCount === 1) holding.push(cluster);
  }
  if (holding.length > 1)
    throw new PlacementError(
      `Schema ${schema} exists on several database clusters (${holding.map((c) => c.name).join(', ')}); the operator will not choose: drop the one that is not the tenant's.`,
      'AmbiguousPlacement',
    );
  if (holding[0]) return { cluster: holding[0], chosen: true };
  const wanted = tenant.spec.database?.cluster;
  if (wanted) {
    const cluster = byName(wanted);
    if (!cluster)
      throw new PlacementError(
        `spec.database.cluster names ${wanted}, which is not one of the operator's database clusters (${known}); nothing was provisioned.`,
        'UnknownDatabaseCluster',
      );
    return { cluster, chosen: true };
  }
  if (databases.rule === 'FewestTenants') return { cluster: await fewestTenants(databases), chosen: true };
  return { cluster: byName(databases.defaultCluster)!, chosen: true };
}

/**
 * Where a deleted tenant's data is. One never placed (its spec named an unknown cluster) has none
 * on any cluster, which placeTenant has just checked: the default cluster's steps then find nothing.
 */
export async function clusterToClean(
  databases: DatabaseClusters,
  tenant: Pick<Tenant, 'spec'>,
  recorded: string | undefined,
): Promise<DatabaseClusterConnection> {
  try {
    return (await placeTenant(databases, tenant, recorded)).cluster;
  } catch (error) {
    if (!(error instanceof PlacementError) || recorded || error.reason !== 'UnknownDatabaseCluster')
      throw error;
    return databases.clusters.find((cluster) => cluster.name === databases.defaultCluster)!;
  }
}

/** Tenants are schemas with a login role of the same name (a schema kept aside by a restore has none). */
async function fewestTenants(databases: DatabaseClusters): Promise<DatabaseClusterConnection> {
  let best: { cluster: DatabaseClusterConnection; tenants: number } | undefined;
  for (const cluster of databases.clusters) {
    const { rows } = await cluster.postgres.query<{ n: number }>(
      `select count(*)::int as n from pg_namespace n
        where n.nspname like 'tenant\\_%' and exists (select 1 from pg_roles r where r.rolname = n.nspname)`,
    );
    if (!best || rows[0]!.n < best.tenants) best = { cluster, tenants: rows[0]!.n };
  }
  return best!.cluster;
}

/** DatabasePlaced: where the tenant is, and whether its spec asks for somewhere else (refused). */
export function placementCondition(tenant: Pick<Tenant, 'spec'>, cluster: string): ConditionInput {
  const wanted = tenant.spec.database?.cluster;
  const schema = tenantSchemaName(tenant.spec.slug);
  if (wanted && wanted !== cluster)
    return {
      type: 'DatabasePlaced',
      status: 'False',
      reason: 'MoveRefused',
      message: `spec.database.cluster asks for ${wanted}, but schema ${schema} is on ${cluster}: tenants are not moved between database clusters, so it stays on ${cluster}. Set spec.database.cluster back to ${cluster} (or remove it).`,
    };
  return {
    type: 'DatabasePlaced',
    status: 'True',
    reason: 'Placed',
    message: `Schema ${schema} is on database cluster ${cluster}.`,
  };
}

/** DatabasePlaced and DatabaseReady when the tenant has no place (see PlacementError). */
export function unplacedConditions(error: PlacementError): ConditionInput[] {
  return [
    { type: 'DatabasePlaced', status: 'False', reason: error.reason, message: error.message },
    { type: 'DatabaseReady', status: 'False', reason: error.reason, message: error.message },
  ];
}
