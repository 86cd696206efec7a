import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

/** Who did what to which account; never a password, token or key in `detail`. */
export async function audit(
  db: Queryable,
  entry: {
    accountId: string | null;
    userId: string | null;
    action: string;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await db.query('insert into platform.audit (account_id, user_id, action, detail) values ($1, $2, $3, $4)', [
    entry.accountId,
    entry.userId,
    entry.action,
    JSON.stringify(entry.detail ?? {}),
  ]);
}
