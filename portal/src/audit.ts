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
    /** A platform operator who did it (their own login, not a merchant's). */
    adminId?: string;
  },
): Promise<void> {
  await db.query(
    'insert into platform.audit (account_id, user_id, action, detail, admin_id) values ($1, $2, $3, $4, $5)',
    [entry.accountId, entry.userId, entry.action, JSON.stringify(entry.detail ?? {}), entry.adminId ?? null],
  );
}
