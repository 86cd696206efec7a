// The PIN pepper: HMAC keys kept outside the database (PIN_PEPPERS), so that a stolen dump of
// staff_member alone cannot be searched offline. Versioned so they can rotate: the first is the
// current one (new hashes), the others still verify old hashes, which are rewritten with the current
// key at the member's next sign-in. A version is never echoed with its key in any message.
import { randomBytes } from 'node:crypto';

export interface PinPeppers {
  /** The key new hashes use. */
  current: { version: string; key: Buffer };
  byVersion: ReadonlyMap<string, Buffer>;
}

/** `v1`, `v2`...: part of every stored hash, so it may hold neither `$`, `:` nor `,`. */
const VERSION = /^v[0-9]{1,6}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
export const MIN_PEPPER_BYTES = 32;

export const PIN_PEPPERS_FORMAT = `comma-separated <version>:<base64 key of at least ${MIN_PEPPER_BYTES} bytes>, current first, e.g. v2:…,v1:…`;

/** Parses PIN_PEPPERS; throws an Error naming what is wrong (never a key). */
export function parsePinPeppers(value: string): PinPeppers {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('no key is given');
  const byVersion = new Map<string, Buffer>();
  for (const [index, entry] of entries.entries()) {
    const separator = entry.indexOf(':');
    const version = separator < 0 ? '' : entry.slice(0, separator);
    const encoded = entry.slice(separator + 1);
    if (!VERSION.test(version)) throw new Error(`entry ${index + 1} has no version such as v1 before ':'`);
    if (byVersion.has(version)) throw new Error(`version ${version} is given twice`);
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length < MIN_PEPPER_BYTES) {
      throw new Error(`the key of ${version} is not base64 of at least ${MIN_PEPPER_BYTES} bytes`);
    }
    byVersion.set(version, key);
  }
  const [version, key] = [...byVersion.entries()][0]!;
  return { current: { version, key }, byVersion };
}

/** A fresh PIN_PEPPERS entry (`v1:<base64 of 32 random bytes>`), to put in front of the old ones. */
export function newPinPepper(version = 'v1'): string {
  if (!VERSION.test(version)) throw new Error(`invalid pepper version ${version} (expected v1, v2...)`);
  return `${version}:${randomBytes(MIN_PEPPER_BYTES).toString('base64')}`;
}
