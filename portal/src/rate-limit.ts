// Fixed-window counters in the platform schema: every portal replica sees the same counts, and a
// restart does not reset a lockout.
import type pg from 'pg';

export interface Limit {
  /** What is counted, e.g. `login:email:ana@example.com`. */
  key: string;
  max: number;
  windowSeconds: number;
}

/** Counts one attempt; false when the window already holds `max` attempts. */
export async function hitLimit(db: pg.Pool, limit: Limit): Promise<boolean> {
  const { rows } = await db.query<{ hits: number }>(
    `insert into platform.rate_limit (key, window_start, hits)
     values ($1, to_timestamp(floor(extract(epoch from now()) / $2) * $2), 1)
     on conflict (key, window_start) do update set hits = platform.rate_limit.hits + 1
     returning hits`,
    [limit.key, limit.windowSeconds],
  );
  return rows[0]!.hits <= limit.max;
}

/** Forgets the counts of a key (a successful login clears its failures). */
export async function clearLimit(db: pg.Pool, key: string): Promise<void> {
  await db.query('delete from platform.rate_limit where key = $1', [key]);
}
