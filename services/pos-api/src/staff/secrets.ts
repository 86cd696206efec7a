// PINs, device secrets and refresh tokens at rest. PINs are short, so they get a slow, salted hash
// (scrypt, per-member salt, parameters kept in the hash so they can be raised later), peppered with
// an HMAC key kept outside the database (pin-peppers.ts), and a lockout; device secrets and refresh
// tokens are 256 random bits, for which SHA-256 is enough.
import {
  createHash,
  createHmac,
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type BinaryLike,
  type ScryptOptions,
} from 'node:crypto';
import type { PinPeppers } from './pin-peppers.ts';

const SCRYPT = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
export const PIN_PATTERN = '^[0-9]{4,12}$';
/** scrypt over HMAC-SHA256(pepper, PIN): `scrypt-hmac$<pepper version>$N$r$p$<salt>$<hash>`. */
const SCHEME = 'scrypt-hmac';
/** Hashes from before the pepper, `scrypt$N$r$p$<salt>$<hash>`: verified, then rewritten. */
const UNPEPPERED_SCHEME = 'scrypt';

function scrypt(secret: BinaryLike, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

const peppered = (key: Buffer, pin: string) => createHmac('sha256', key).update(pin).digest();

async function matches(secret: BinaryLike, parts: string[]): Promise<boolean> {
  const [n, r, p, salt, hash] = parts;
  if (!salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(secret, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * `valid-outdated`: the PIN is right but its hash uses an older pepper, no pepper, or weaker scrypt
 * parameters; the caller stores `hash(pin)` in its place.
 */
export type PinVerdict = 'valid' | 'valid-outdated' | 'invalid';

export interface PinHasher {
  hash(pin: string): Promise<string>;
  verify(pin: string, stored: string): Promise<PinVerdict>;
  /** Takes as long as `verify` for a member who does not exist, so that timing tells nothing. */
  verifyUnknownMember(pin: string): Promise<void>;
}

export function pinHasher(peppers: PinPeppers): PinHasher {
  const { current } = peppers;
  const isCurrent = (version: string, parts: string[]) =>
    version === current.version && parts.slice(0, 3).join('$') === [SCRYPT.N, SCRYPT.r, SCRYPT.p].join('$');
  let unknownMemberHash: Promise<string> | undefined;

  const hasher: PinHasher = {
    async hash(pin) {
      const salt = randomBytes(16);
      const key = await scrypt(peppered(current.key, pin), salt, SCRYPT);
      return [
        SCHEME,
        current.version,
        SCRYPT.N,
        SCRYPT.r,
        SCRYPT.p,
        salt.toString('base64url'),
        key.toString('base64url'),
      ].join('$');
    },

    async verify(pin, stored) {
      const [scheme, ...rest] = stored.split('$');
      if (scheme === UNPEPPERED_SCHEME) return (await matches(pin, rest)) ? 'valid-outdated' : 'invalid';
      if (scheme !== SCHEME) return 'invalid';
      const [version = '', ...parts] = rest;
      const key = peppers.byVersion.get(version);
      if (!key) {
        // Its pepper was removed from PIN_PEPPERS: no PIN can match any more (a manager sets a new one).
        await hasher.verifyUnknownMember(pin);
        return 'invalid';
      }
      if (!(await matches(peppered(key, pin), parts))) return 'invalid';
      return isCurrent(version, parts) ? 'valid' : 'valid-outdated';
    },

    async verifyUnknownMember(pin) {
      // A hash no PIN matches (of a random one), made once with the current pepper and parameters.
      unknownMemberHash ??= hasher.hash(randomBytes(16).toString('hex'));
      const [, , ...parts] = (await unknownMemberHash).split('$');
      await matches(peppered(current.key, pin), parts);
    },
  };
  return hasher;
}

/** 256 random bits, URL-safe: device secrets and refresh tokens. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function matchesSha256(secret: string, storedHex: string): boolean {
  const actual = Buffer.from(sha256(secret), 'hex');
  const expected = Buffer.from(storedHex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
