// Every Redis key the POS API writes: cloudpos:t:<slug>:<purpose>:<id>.
//
//   - the tenant prefix is all a tenant's Redis ACL user may touch (the operator grants exactly
//     ~cloudpos:t:<slug>:*), so one tenant's pods can neither read nor reset another's counters;
//   - the purpose comes from the fixed list below, never from a request;
//   - the id is bounded: a uuid, a client address, or the literal `all` pass as they are; anything
//     else (longer, or with other characters) becomes a hash, so no request can make a key grow or
//     reach into another purpose with a colon.
import { normalizeIP } from '@fastify/rate-limit';
import { createHash } from 'node:crypto';

export const KEY_PURPOSES = [
  /** Every tenant-scoped request, per till (signed in) or client address (not signed in). */
  'requests',
  /** Failed PIN attempts on a till whose device secret was right. */
  'sign-in-device',
  /** Failed PIN attempts on any recognized till of the tenant. */
  'sign-in-tenant',
  /** Sign-ins from a client address that named no valid till (unknown, revoked, wrong secret). */
  'sign-in-address',
  /** One-time setup attempts from a client address. */
  'setup-address',
  /** Wrong pairing codes from a client address. */
  'pair-address',
  /** Wrong pairing codes on the whole tenant. */
  'pair-tenant',
  /** Receipt e-mails queued from one till. */
  'receipt-mail-device',
  /** Receipt e-mails queued on the whole tenant. */
  'receipt-mail-tenant',
] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

const SLUG = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * What the tenant's ACL user is granted: `~<prefix>*`. A request naming a tenant that cannot exist
 * (a host label that is no slug) is answered like one naming an unknown tenant, rate limits
 * included: its counters live under `_<hash>`, which no slug (and so no tenant's ACL user) matches.
 */
export function tenantKeyPrefix(slug: string): string {
  if (SLUG.test(slug)) return `cloudpos:t:${slug}:`;
  return `cloudpos:t:_${createHash('sha256').update(slug).digest('hex').slice(0, 16)}:`;
}

export function tenantKey(slug: string, purpose: KeyPurpose, id: string): string {
  return `${tenantKeyPrefix(slug)}${purpose}:${boundedId(id)}`;
}

/** The id as it is when short and plain, else `h-` and 32 hex digits of its SHA-256. */
export function boundedId(id: string): string {
  if (PLAIN_ID.test(id)) return id;
  return `h-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

/**
 * The client as counters see it: an IPv4 address, or an IPv6 address's /64 (one home or server
 * gets a whole /64, so counting single IPv6 addresses would give it endless fresh budgets).
 */
export function clientAddress(ip: string): string {
  return normalizeIP(ip, 64);
}
