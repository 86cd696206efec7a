// The demo tenant `npm start` keeps ready: a Tenant manifest reconciled by the operator's local mode
// on every start (a no-op when nothing changed), like any tenant created with `npm run tenant`;
// plus demo staff and a registered demo till, so that PIN sign-in works at once. Their PINs and the
// till's secret are printed in the banner: demo-only credentials of a local, loopback-only API.
import { applyLocalTenant, type LocalTenantContext } from '@cloudpos/operator/local';
import { parsePinPeppers, pinHasher, sha256 } from '@cloudpos/pos-api';
import { addMissingStaff, addMissingTillDevice, countStores, existingStaffIds } from '@cloudpos/tenant-db';
import type pg from 'pg';

export interface DemoTenant {
  url: string;
  schema: string;
  phase: string;
  stores: number;
}

export const DEMO_TENANT = {
  apiVersion: 'cloudpos.io/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'demo' },
  spec: {
    slug: 'demo',
    displayName: 'Demo Shop',
    plan: 'starter',
    owner: { name: 'Demo Owner', email: 'owner@demo.example' },
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    locale: 'de-DE',
    stores: [{ code: 'MAIN', name: 'Demo Store' }],
  },
};

/** Demo-only credentials, seeded when missing and printed by `npm start`. */
export const DEMO_STAFF = [
  {
    id: 'de300000-0000-4000-8000-000000000001',
    code: '1000',
    name: 'Demo Owner',
    role: 'owner',
    pin: '1111',
  },
  {
    id: 'de300000-0000-4000-8000-000000000002',
    code: '2000',
    name: 'Demo Manager',
    role: 'manager',
    pin: '2222',
  },
  {
    id: 'de300000-0000-4000-8000-000000000003',
    code: '3000',
    name: 'Demo Cashier',
    role: 'cashier',
    pin: '3333',
  },
] as const;
export const DEMO_TILL = {
  id: 'de300000-0000-4000-8000-0000000000d1',
  name: 'Demo Till',
  secret: 'demo-till-secret',
} as const;

/** `pinPeppers`: the API's PIN_PEPPERS, so the seeded PINs verify with the current pepper. */
export async function prepareDemoTenant(ctx: LocalTenantContext, pinPeppers: string): Promise<DemoTenant> {
  const tenant = await applyLocalTenant(ctx, DEMO_TENANT);
  const schema = tenant.status!.schema!;
  await seedDemoStaff(ctx.postgres, schema, pinPeppers);
  const stores = await countStores(ctx.postgres, schema);
  return { url: tenant.status!.url!, schema, phase: tenant.status!.phase!, stores };
}

/** Adds the demo staff and till when they are missing; never changes what exists (PINs changed since). */
async function seedDemoStaff(postgres: pg.Pool, schema: string, pinPeppers: string): Promise<void> {
  const pins = pinHasher(parsePinPeppers(pinPeppers));
  const present = await existingStaffIds(
    postgres,
    schema,
    DEMO_STAFF.map((member) => member.id),
  );
  const missing = DEMO_STAFF.filter((member) => !present.has(member.id));
  await addMissingStaff(
    postgres,
    schema,
    await Promise.all(
      missing.map(async (member) => ({
        id: member.id,
        code: member.code,
        displayName: member.name,
        role: member.role,
        pinHash: await pins.hash(member.pin),
      })),
    ),
  );
  await addMissingTillDevice(postgres, schema, {
    id: DEMO_TILL.id,
    name: DEMO_TILL.name,
    secretHash: sha256(DEMO_TILL.secret),
    registeredById: DEMO_STAFF[0].id,
  });
}
