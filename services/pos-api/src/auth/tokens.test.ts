// Access tokens without a server: what a verified (and then remembered) token may and may not do.
import { describe, expect, it } from 'vitest';
import { isPortalToken, portalTokenSigner } from './portal-tokens.ts';
import { accessTokens, claimedTenant, unverifiedClaims } from './tokens.ts';

const tokens = accessTokens({ secret: 's'.repeat(40), ttlSeconds: 900 });
const claims = { tenant: 'alpha', staffId: 'staff-1', role: 'cashier' as const, deviceId: 'device-1' };
const at = (iso: string) => new Date(iso);

describe('access tokens', () => {
  it('verifies a token again and again until it expires, then answers token_expired', async () => {
    const { token } = await tokens.sign(claims, at('2026-12-07T10:00:00Z'));
    const actor = { kind: 'staff', staffId: 'staff-1', role: 'cashier', deviceId: 'device-1' };
    expect(await tokens.verify(token, 'alpha', at('2026-12-07T10:01:00Z'))).toEqual(actor);
    expect(await tokens.verify(token, 'alpha', at('2026-12-07T10:14:00Z'))).toEqual(actor);
    await expect(tokens.verify(token, 'alpha', at('2026-12-07T10:15:06Z'))).rejects.toMatchObject({
      code: 'token_expired',
    });
  });

  it('refuses a verified token of one tenant for another, before and after it was verified', async () => {
    const { token } = await tokens.sign(claims, at('2026-12-07T10:00:00Z'));
    const now = at('2026-12-07T10:01:00Z');
    await expect(tokens.verify(token, 'beta', now)).rejects.toMatchObject({ code: 'unauthenticated' });
    await tokens.verify(token, 'alpha', now);
    await expect(tokens.verify(token, 'beta', now)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a token whose signature was changed, even after the genuine one was verified', async () => {
    const { token } = await tokens.sign(claims, at('2026-12-07T10:00:00Z'));
    const now = at('2026-12-07T10:01:00Z');
    await tokens.verify(token, 'alpha', now);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    await expect(tokens.verify(forged, 'alpha', now)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('hands out a copy of the actor, so a caller cannot change what the next request gets', async () => {
    const { token } = await tokens.sign(claims, at('2026-12-07T10:00:00Z'));
    const now = at('2026-12-07T10:01:00Z');
    const first = await tokens.verify(token, 'alpha', now);
    (first as { role: string }).role = 'owner';
    expect((await tokens.verify(token, 'alpha', now)).role).toBe('cashier');
  });
});

describe('unverified claims', () => {
  it('reads the tenant and the issuer of each token, remembered per token, and refuses what is not a JWT', async () => {
    const alpha = (await tokens.sign(claims, at('2026-12-07T10:00:00Z'))).token;
    const beta = (await tokens.sign({ ...claims, tenant: 'beta' }, at('2026-12-07T10:00:00Z'))).token;
    const portal = await portalTokenSigner({ platformSecret: 'p'.repeat(40) })({
      tenant: 'gamma',
      role: 'owner',
      portalUserId: 'user-1',
    });
    for (let i = 0; i < 2; i++) {
      expect(claimedTenant(alpha)).toBe('alpha');
      expect(claimedTenant(beta)).toBe('beta');
      expect(claimedTenant(portal)).toBe('gamma');
      expect(isPortalToken(alpha)).toBe(false);
      expect(isPortalToken(portal)).toBe(true);
    }
    expect(unverifiedClaims(alpha)).toEqual({ tnt: 'alpha', iss: 'cloudpos' });
    expect(Object.isFrozen(unverifiedClaims(alpha))).toBe(true);
    for (const garbage of ['', 'not-a-jwt', 'a.b.c']) {
      expect(() => claimedTenant(garbage)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
      expect(() => isPortalToken(garbage)).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    }
  });
});
