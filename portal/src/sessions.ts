// Database sessions: the browser holds only a random id in a signed, HttpOnly, SameSite=Lax cookie;
// the database holds its SHA-256, the user and the expiry. Logging out deletes the row, so a copied
// cookie stops working at once.
import { createCookie, type Cookie } from 'react-router';
import type pg from 'pg';
import { userById, type PortalUser } from './accounts.ts';
import { newToken, tokenHash } from './tokens.ts';

const SESSION_DAYS = 7;

export interface Sessions {
  /** The Set-Cookie header that signs this user in. */
  create(userId: string): Promise<string>;
  userOf(request: Request): Promise<PortalUser | undefined>;
  /** The Set-Cookie header that clears the cookie; the row is deleted. */
  destroy(request: Request): Promise<string>;
}

export function sessionCookie(secrets: string[], secure: boolean): Cookie {
  return createCookie('cloudpos_session', {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    secrets,
    maxAge: SESSION_DAYS * 24 * 3600,
  });
}

export function databaseSessions(db: pg.Pool, cookie: Cookie): Sessions {
  const idOf = async (request: Request) => {
    const value: unknown = await cookie.parse(request.headers.get('cookie'));
    return typeof value === 'string' ? value : undefined;
  };
  return {
    async create(userId) {
      const id = newToken();
      await db.query(
        `insert into platform.session (id_hash, user_id, expires_at)
         values ($1, $2, now() + make_interval(days => $3))`,
        [tokenHash(id), userId, SESSION_DAYS],
      );
      return cookie.serialize(id);
    },
    async userOf(request) {
      const id = await idOf(request);
      if (!id) return undefined;
      const { rows } = await db.query<{ user_id: string }>(
        'select user_id from platform.session where id_hash = $1 and expires_at > now()',
        [tokenHash(id)],
      );
      return rows[0] ? userById(db, rows[0].user_id) : undefined;
    },
    async destroy(request) {
      const id = await idOf(request);
      if (id) await db.query('delete from platform.session where id_hash = $1', [tokenHash(id)]);
      return cookie.serialize('', { maxAge: 0 });
    },
  };
}
