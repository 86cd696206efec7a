// MikroORM's PostgreSQL driver, with prepared statements for repeated raw SQL (prepared.ts), a way
// for raw SQL to reach its transaction's connection directly (withTransactionConnection), pipelined
// connections (statements sent without waiting for each other share a round trip), and one
// fix: a connection whose COMMIT or ROLLBACK fails goes back to the pool. Kysely's controlled
// transactions (which MikroORM's `transactional` uses) release their connection only after COMMIT
// or ROLLBACK succeeds (kysely-org/kysely#1990, open in 0.29): when PostgreSQL ends a session
// mid-transaction (a restart, pg_terminate_backend), both fail and the connection is never
// released, so after as many failures as the pool has connections every request of every tenant
// waits forever. Releasing it here lets pg-pool drop the dead client and open a new one. Double
// releases (Kysely's own, after a success) are ignored.
import { AsyncLocalStorage } from 'node:async_hooks';
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { DatabaseConnection, Driver, PostgresDialect } from 'kysely';
import type { Pool, PoolConfig } from 'pg';
import { prepareRepeatedStatements } from './prepared.ts';

/**
 * The connection of the transaction that `withTransactionConnection` began: set once its BEGIN has
 * run, and cleared before its COMMIT or ROLLBACK is sent (and when the work ends), never set again.
 */
export interface TransactionConnection {
  connection?: DatabaseConnection;
  ended?: boolean;
}

const beginning = new AsyncLocalStorage<TransactionConnection>();

/**
 * Runs `work`, handing the connection of the first transaction it begins to `slot`. Raw SQL of
 * that transaction can then go to the connection directly: through Kysely's transaction (the
 * ORM's way in), each statement passes four async layers that serialise a connection pg already
 * serialises; a sale sends ten (2 % of its CPU in the checkout bench). Statements the ORM sends
 * still go through Kysely; pg runs both in the order they were sent.
 */
export async function withTransactionConnection<T>(
  slot: TransactionConnection,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await beginning.run(slot, work);
  } finally {
    endOf(slot);
  }
}

function endOf(slot: TransactionConnection) {
  slot.connection = undefined;
  slot.ended = true;
}

/** Ends the slot whose transaction runs on `connection`, before that transaction ends. */
function endingSlotOf(connection: DatabaseConnection) {
  const slot = beginning.getStore();
  if (slot?.connection === connection) endOf(slot);
}

/** Wraps a Kysely driver so that a failed commit or rollback releases its connection (once). */
export function releasingFailedTransactions(driver: Driver): Driver {
  const released = new WeakSet<DatabaseConnection>();
  const release = async (connection: DatabaseConnection) => {
    if (released.has(connection)) return;
    released.add(connection);
    await driver.releaseConnection(connection);
  };
  const ending =
    (end: (connection: DatabaseConnection) => Promise<void>) => async (connection: DatabaseConnection) => {
      endingSlotOf(connection);
      try {
        await end(connection);
      } catch (error) {
        await release(connection).catch(() => {});
        throw error;
      }
    };
  return {
    init: () => driver.init(),
    acquireConnection: async () => {
      const connection = await driver.acquireConnection();
      released.delete(connection);
      return connection;
    },
    beginTransaction: async (connection, settings) => {
      await driver.beginTransaction(connection, settings);
      const slot = beginning.getStore();
      if (slot && !slot.connection && !slot.ended) slot.connection = connection;
    },
    commitTransaction: ending((connection) => driver.commitTransaction(connection)),
    rollbackTransaction: ending((connection) => driver.rollbackTransaction(connection)),
    releaseConnection: release,
    destroy: () => driver.destroy(),
    ...(driver.savepoint ? { savepoint: driver.savepoint.bind(driver) } : {}),
    ...(driver.rollbackToSavepoint ? { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) } : {}),
    ...(driver.releaseSavepoint ? { releaseSavepoint: driver.releaseSavepoint.bind(driver) } : {}),
  };
}

class ReleasingPostgreSqlConnection extends PostgreSqlConnection {
  override createKyselyDialect(
    overrides: PoolConfig & { onPoolCreated?: (pool: Pool) => unknown },
  ): PostgresDialect {
    const dialect = super.createKyselyDialect({
      ...overrides,
      // Statements sent without waiting for each other's answer go out together (pg's pipeline
      // mode, each with its own Sync): two statements of one transaction cost one round trip.
      pipeline: true,
      onPoolCreated: (pool: Pool) => {
        prepareRepeatedStatements(pool);
        return overrides?.onPoolCreated?.(pool);
      },
    } as PoolConfig);
    const createDriver = dialect.createDriver.bind(dialect);
    dialect.createDriver = () => releasingFailedTransactions(createDriver());
    return dialect;
  }
}

/** PostgreSqlDriver whose connections prepare repeated statements and survive a failed COMMIT or ROLLBACK. */
export class TenantPostgreSqlDriver extends PostgreSqlDriver {
  constructor(config: ConstructorParameters<typeof PostgreSqlDriver>[0]) {
    super(config);
    (this as unknown as { connection: PostgreSqlConnection }).connection = new ReleasingPostgreSqlConnection(
      this.config,
    );
  }
}
