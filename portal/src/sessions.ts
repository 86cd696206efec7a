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

/**
 * Sessions of one kind of login in one table: the browser holds a random id in the signed cookie,
 * the table its SHA-256, the owner and the expiry. Merchants' and platform operators' sessions are
 * two of these, with their own tables and cookies, so one's id is nothing to the other.
 */
export function sessionStore<Owner>(
  db: pg.Pool,
  cookie: Cookie,
  table: { name: 'session' | 'admin_session'; owner: 'user_id' | 'admin_id'; hours: number },
  load: (ownerId: string) => Promise<Owner | undefined>,
) {
  const idOf = async (request: Request) => {
    const value: unknown = await cookie.parse(request.headers.get('cookie'));
    return typeof value === 'string' ? value : undefined;
  };
  return {
    create: async (ownerId: string): Promise<string> => {
      const id = newToken();
      await db.query(
        `insert into platform.${table.name} (id_hash, ${table.owner}, expires_at)
         values ($1, $2, now() + make_interval(hours => $3))`,
        [tokenHash(id), ownerId, table.hours],
      );
      return cookie.serialize(id);
    },
    ownerOf: async (request: Request): Promise<Owner | undefined> => {
      const id = await idOf(request);
      if (!id) return undefined;
      const { rows } = await db.query<{ owner: string }>(
        `select ${table.owner} as owner from platform.${table.name} where id_hash = $1 and expires_at > now()`,
        [tokenHash(id)],
      );
      return rows[0] ? load(rows[0].owner) : undefined;
    },
    destroy: async (request: Request): Promise<string> => {
      const id = await idOf(request);
      if (id) await db.query(`delete from platform.${table.name} where id_hash = $1`, [tokenHash(id)]);
      return cookie.serialize('', { maxAge: 0 });
    },
  };
}

export function databaseSessions(db: pg.Pool, cookie: Cookie): Sessions {
  const store = sessionStore(
    db,
    cookie,
    { name: 'session', owner: 'user_id', hours: SESSION_DAYS * 24 },
    (id) => userById(db, id),
  );
  return { create: store.create, userOf: store.ownerOf, destroy: store.destroy };
}
