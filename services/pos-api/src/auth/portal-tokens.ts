// Portal tokens (ADR 0015): the merchant portal acts on a tenant's POS API for one signed-in portal
// user (an owner or manager of the merchant account, not a staff member) with a short-lived HS256
// JWT. Its key is derived per tenant with HKDF from the platform's PORTAL_TOKEN_SECRET, with its own
// salt, issuer and audience: a staff access token (keys from AUTH_SECRET) never verifies as a portal
// token or the other way round, and a portal token for tenant A does not verify for tenant B.
//
// Pooled APIs hold PORTAL_TOKEN_SECRET and derive each tenant's key; a dedicated API can instead be
// given only its own tenant's key (PORTAL_TOKEN_KEY, `portalTokenKey(secret, slug)`), so a tenant's
// pods never hold what could mint tokens for another tenant.
import { errors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { problem } from '../errors.ts';
import type { PortalActor } from '../tenancy/context.ts';
import { portalTokenKey } from './portal-token-key.ts';
import { unverifiedClaims } from './tokens.ts';

export { portalTokenKey };

export const PORTAL_TOKEN_ISSUER = 'cloudpos-portal';
export const PORTAL_TOKEN_AUDIENCE = 'cloudpos-pos-api/portal';
/** The portal's roles map onto the staff roles of the same name (the permission matrix applies). */
export const PORTAL_ROLES = ['owner', 'manager'] as const;
export type PortalRole = (typeof PORTAL_ROLES)[number];
/** Tokens living longer than this are refused, whatever their `exp` says. */
export const PORTAL_TOKEN_MAX_AGE_SECONDS = 600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PortalTokenClaims {
  tenant: string;
  portalUserId: string;
  role: PortalRole;
}

/** Mints portal tokens (the portal's side). */
export function portalTokenSigner(options: { platformSecret: string; ttlSeconds?: number }) {
  const ttl = Math.min(options.ttlSeconds ?? 300, PORTAL_TOKEN_MAX_AGE_SECONDS);
  return async (claims: PortalTokenClaims, now = new Date()): Promise<string> => {
    const issuedAt = Math.floor(now.getTime() / 1000);
    return new SignJWT({ tnt: claims.tenant, role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(PORTAL_TOKEN_ISSUER)
      .setAudience(PORTAL_TOKEN_AUDIENCE)
      .setSubject(claims.portalUserId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .sign(Buffer.from(portalTokenKey(options.platformSecret, claims.tenant), 'base64url'));
  };
}

export interface PortalTokenVerifier {
  verify(token: string, tenant: string, now: Date): Promise<PortalActor>;
}

/**
 * Checks portal tokens with the platform secret (pooled) or with one tenant's key (dedicated);
 * with neither, every portal token is refused.
 */
export function portalTokenVerifier(options: {
  platformSecret?: string;
  tenantKey?: { tenant: string; key: string };
}): PortalTokenVerifier {
  const keys = new Map<string, Uint8Array>();
  const keyFor = (tenant: string): Uint8Array | undefined => {
    if (options.tenantKey) {
      return options.tenantKey.tenant === tenant
        ? Buffer.from(options.tenantKey.key, 'base64url')
        : undefined;
    }
    if (!options.platformSecret) return undefined;
    let key = keys.get(tenant);
    if (!key) {
      key = Buffer.from(portalTokenKey(options.platformSecret, tenant), 'base64url');
      keys.set(tenant, key);
    }
    return key;
  };
  return {
    async verify(token, tenant, now) {
      const key = keyFor(tenant);
      if (!key) throw problem('unauthenticated', 'this API does not accept portal tokens');
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          issuer: PORTAL_TOKEN_ISSUER,
          audience: PORTAL_TOKEN_AUDIENCE,
          currentDate: now,
          clockTolerance: 5,
          maxTokenAge: PORTAL_TOKEN_MAX_AGE_SECONDS,
          requiredClaims: ['sub', 'exp', 'iat', 'tnt', 'role'],
        });
        const role = payload.role as PortalRole;
        if (payload.tnt !== tenant || !PORTAL_ROLES.includes(role) || !UUID.test(payload.sub!)) {
          throw problem('unauthenticated', 'the access token is not valid');
        }
        return { kind: 'portal', portalUserId: payload.sub!, role };
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw problem('token_expired', 'ask the portal for a new token');
        if (error instanceof errors.JOSEError)
          throw problem('unauthenticated', 'the access token is not valid');
        throw error;
      }
    },
  };
}

/** Whether a token says it comes from the portal (unverified: only to pick the verifier). */
export function isPortalToken(token: string): boolean {
  return unverifiedClaims(token).iss === PORTAL_TOKEN_ISSUER;
}
