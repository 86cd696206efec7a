// Access tokens: short-lived HS256 JWTs (jose). The signing key is derived per tenant from
// AUTH_SECRET with HKDF, so a token minted for one tenant does not even verify for another, on top
// of the explicit tenant claim check; in pooled mode one secret serves every tenant.
import { STAFF_ROLES, type StaffRole } from '@cloudpos/tenant-db';
import { decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import { createHmac, hkdfSync, randomUUID, webcrypto } from 'node:crypto';
import { problem } from '../errors.ts';
import type { StaffActor } from '../tenancy/context.ts';

const ISSUER = 'cloudpos';
const AUDIENCE = 'cloudpos-pos-api';
const CLOCK_TOLERANCE_SECONDS = 5;
/** Verified tokens remembered per process; past this, it starts over. */
const VERIFIED_REMEMBERED = 10_000;

export interface AccessTokenClaims extends Omit<StaffActor, 'kind'> {
  tenant: string;
}

export interface SignedAccessToken {
  token: string;
  expiresAt: Date;
}

export interface AccessTokens {
  sign(claims: AccessTokenClaims, now?: Date): Promise<SignedAccessToken>;
  /** The actor of a valid token of this tenant; `token_expired` or `unauthenticated` otherwise. */
  verify(token: string, tenant: string, now?: Date): Promise<StaffActor>;
}

export function accessTokens(options: { secret: string; ttlSeconds: number }): AccessTokens {
  // Imported once per tenant: jose imports a raw (Uint8Array) key again on every call, which was
  // the larger part of verifying a token.
  const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
  const keyFor = (tenant: string) => {
    let key = keys.get(tenant);
    if (!key) {
      const raw = hkdfSync('sha256', options.secret, 'cloudpos access token', `tenant:${tenant}`, 32);
      key = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ]);
      keys.set(tenant, key);
    }
    return key;
  };
  // Tokens already verified, until they expire: a till sends the same token with every request,
  // and checking its signature again (asynchronous webcrypto) was 4 % of a sale's CPU.
  const verified = new Map<string, { tenant: string; actor: StaffActor; expiresAt: number }>();
  return {
    async sign(claims, now = new Date()) {
      const issuedAt = Math.floor(now.getTime() / 1000);
      const expiresAt = issuedAt + options.ttlSeconds;
      const token = await new SignJWT({ tnt: claims.tenant, role: claims.role, dev: claims.deviceId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(claims.staffId)
        .setJti(randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .sign(await keyFor(claims.tenant));
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },
    async verify(token, tenant, now = new Date()) {
      const seconds = now.getTime() / 1000;
      const known = verified.get(token);
      if (known && known.tenant === tenant && seconds <= known.expiresAt + CLOCK_TOLERANCE_SECONDS)
        return { ...known.actor };
      try {
        const { payload } = await jwtVerify(token, await keyFor(tenant), {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: now,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['sub', 'exp', 'tnt', 'role', 'dev'],
        });
        const role = payload.role as StaffRole;
        if (payload.tnt !== tenant || !STAFF_ROLES.includes(role) || typeof payload.dev !== 'string') {
          throw problem('unauthenticated', 'the access token is not valid');
        }
        const actor: StaffActor = { kind: 'staff', staffId: payload.sub!, role, deviceId: payload.dev };
        if (verified.size >= VERIFIED_REMEMBERED) verified.clear();
        verified.set(token, { tenant, actor, expiresAt: payload.exp! });
        return { ...actor };
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw problem('token_expired', 'sign in again or refresh');
        if (error instanceof errors.JOSEError)
          throw problem('unauthenticated', 'the access token is not valid');
        throw error;
      }
    },
  };
}

/** The token in `Authorization: Bearer <token>`, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw problem('unauthenticated', 'use Authorization: Bearer <access token>');
  return match[1];
}

/** Unverified claims of tokens seen lately (a till sends the same one for many requests). */
const decoded = new Map<string, Readonly<{ tnt?: unknown; iss?: unknown }>>();
const DECODED_REMEMBERED = 10_000;

/**
 * The tenant (`tnt`) and issuer (`iss`) a token claims, read WITHOUT verifying it: only to pick
 * the tenant and the verifier, or to reject a token that names another tenant. Throws
 * `unauthenticated` when it is not a JWT.
 */
export function unverifiedClaims(token: string): Readonly<{ tnt?: unknown; iss?: unknown }> {
  let claims = decoded.get(token);
  if (claims === undefined) {
    try {
      const { tnt, iss } = decodeJwt(token);
      claims = Object.freeze({ tnt, iss });
    } catch {
      throw problem('unauthenticated', 'the access token is not valid');
    }
    if (decoded.size >= DECODED_REMEMBERED) decoded.clear();
    decoded.set(token, claims);
  }
  return claims;
}

/**
 * The tenant a token claims, read WITHOUT verifying it: only to pick the tenant (whose key then
 * verifies it) or to reject a token that names another tenant. Never trust anything else from it.
 */
export function claimedTenant(token: string): string | undefined {
  const { tnt } = unverifiedClaims(token);
  return typeof tnt === 'string' ? tnt : undefined;
}

/**
 * The one-time code that creates a tenant's first owner (POST /v1/setup), derived from AUTH_SECRET
 * and the slug: whoever can read AUTH_SECRET (the platform, the portal) can hand it to the merchant;
 * it stops working once the tenant has staff. 24 base32 characters (120 bits) in groups of four.
 */
export function tenantSetupCode(secret: string, tenant: string): string {
  const digest = createHmac('sha256', secret).update(`cloudpos setup code v1\0${tenant}`).digest();
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read aloud and typed by hand
  let code = '';
  for (let i = 0; i < 24; i++) code += alphabet[digest[i]! % 32];
  return code.match(/.{4}/g)!.join('-');
}
