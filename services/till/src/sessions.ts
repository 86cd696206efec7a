// Staff sessions on this register: PIN sign-in through the API, access tokens refreshed when they
// run out (one refresh at a time per staff member: a refresh token works once, and using one twice
// revokes the whole sign-in), and an offline PIN check against a slow hash cached on the device.
import { api, ApiError } from './api.ts';
import type { Register, StoredSession, TillDb } from './db.ts';

export interface SessionAnswer {
  accessToken: string;
  expiresAt: string;
  refreshToken: string;
  refreshExpiresAt: string;
  staff: { id: string; code: string; displayName: string; role: StoredSession['role'] };
}

export const toStored = (answer: SessionAnswer): StoredSession => ({
  staffId: answer.staff.id,
  staffCode: answer.staff.code,
  displayName: answer.staff.displayName,
  role: answer.staff.role,
  accessToken: answer.accessToken,
  expiresAt: answer.expiresAt,
  refreshToken: answer.refreshToken,
  refreshExpiresAt: answer.refreshExpiresAt,
});

/** Signs a staff member in on the register through the API; does not store anything. */
export async function signInOnline(
  register: Pick<Register, 'deviceId' | 'deviceSecret'>,
  staffCode: string,
  pin: string,
): Promise<StoredSession> {
  const answer = await api<SessionAnswer>('/v1/auth/sign-in', {
    method: 'POST',
    body: { deviceId: register.deviceId, deviceSecret: register.deviceSecret, staffCode, pin },
  });
  return toStored(answer);
}

const refreshing = new Map<string, Promise<StoredSession>>();

/** A valid access token of this staff member's session, refreshed through the API when needed. */
export async function accessTokenOf(db: TillDb, staffId: string, now = Date.now()): Promise<string> {
  const session = await db.get('sessions', staffId);
  if (!session) throw new ApiError(401, 'unauthenticated', 'Sign-in is required', 'no session on this till');
  if (Date.parse(session.expiresAt) - 30_000 > now) return session.accessToken;
  let pending = refreshing.get(staffId);
  if (!pending) {
    pending = api<SessionAnswer>('/v1/auth/refresh', {
      method: 'POST',
      body: { refreshToken: session.refreshToken },
    })
      .then(async (answer) => {
        const fresh = toStored(answer);
        await db.put('sessions', fresh);
        return fresh;
      })
      .finally(() => refreshing.delete(staffId));
    refreshing.set(staffId, pending);
  }
  return (await pending).accessToken;
}

/**
 * This staff member's stored access token while it is valid for a while yet, else undefined. It is
 * never refreshed here: the till's span uploads use it (telemetry.ts), and must not spend a refresh
 * token (each works once) behind the back of the selling that needs it.
 */
export async function storedAccessToken(
  db: TillDb,
  staffId: string,
  now = Date.now(),
): Promise<string | undefined> {
  const session = await db.get('sessions', staffId);
  return session && Date.parse(session.expiresAt) - 5_000 > now ? session.accessToken : undefined;
}

// -- Offline PIN check --------------------------------------------------------------------------------
// A staff member who signed in on this register recently may sign in again while the server cannot
// be reached: their PIN is checked against a PBKDF2 hash kept here (slow on purpose, salted per
// device). The trade-off is in docs/decisions/0011-till-as-installable-pwa.md.

const OFFLINE_SIGN_IN_HOURS = 12;
const PBKDF2_ITERATIONS = 200_000;

interface PinVerifier {
  staffId: string;
  salt: string;
  hash: string;
  at: string;
}

const verifierKey = (staffCode: string) => `pin:${staffCode.toUpperCase()}`;
const toBase64 = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))));

async function pinHash(pin: string, salt: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations: PBKDF2_ITERATIONS },
    key,
    256,
  );
  return toBase64(bits);
}

export async function rememberPin(db: TillDb, session: StoredSession, pin: string): Promise<void> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const verifier: PinVerifier = {
    staffId: session.staffId,
    salt: toBase64(salt),
    hash: await pinHash(pin, salt),
    at: new Date().toISOString(),
  };
  await db.put('meta', verifier, verifierKey(session.staffCode));
}

/** The stored session of a staff member whose PIN matches the cached hash, or why not. */
export async function signInOffline(
  db: TillDb,
  staffCode: string,
  pin: string,
): Promise<StoredSession | { refused: string }> {
  const verifier = (await db.get('meta', verifierKey(staffCode))) as PinVerifier | undefined;
  const session = verifier && (await db.get('sessions', verifier.staffId));
  if (!verifier || !session)
    return { refused: 'Offline, only staff who signed in on this register recently can sign in.' };
  if (Date.now() - Date.parse(verifier.at) > OFFLINE_SIGN_IN_HOURS * 3600_000)
    return { refused: `Offline sign-in is allowed for ${OFFLINE_SIGN_IN_HOURS} hours after an online one.` };
  const salt = Uint8Array.from(atob(verifier.salt), (char) => char.charCodeAt(0));
  if ((await pinHash(pin, salt)) !== verifier.hash)
    return { refused: 'That staff code or PIN is not right.' };
  return session;
}
