// The key of one tenant's portal tokens (ADR 0015), derived from the platform's PORTAL_TOKEN_SECRET.
// A module of its own (node:crypto only): the operator derives each tenant's key to put into the
// tenant's Secret without loading the API.
import { hkdfSync } from 'node:crypto';

/** The key of one tenant's portal tokens, as base64url (what a dedicated API gets as PORTAL_TOKEN_KEY). */
export function portalTokenKey(platformSecret: string, tenant: string): string {
  return Buffer.from(
    hkdfSync('sha256', platformSecret, 'cloudpos portal token', `tenant:${tenant}`, 32),
  ).toString('base64url');
}
