// Prints the one-time code that creates a tenant's first owner (POST /v1/setup):
//   AUTH_SECRET=... npm run setup-code -w @cloudpos/pos-api -- <slug>
// AUTH_SECRET is the POS API's (in local mode: the file .cloudpos/auth-secret). The code stops
// working once the tenant has staff.
import { tenantSetupCode } from '../auth/tokens.ts';

const slug = process.argv[2];
const secret = process.env.AUTH_SECRET;
if (!slug || !/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(slug) || !secret || secret.length < 32) {
  process.stderr.write('usage: AUTH_SECRET=<the API secret> setup-code <tenant slug>\n');
  process.exit(2);
}
process.stdout.write(`${tenantSetupCode(secret, slug)}\n`);
