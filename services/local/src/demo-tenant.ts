// The demo tenant `npm start` keeps ready: a Tenant manifest reconciled by the operator's local mode
// on every start (a no-op when nothing changed), like any tenant created with `npm run tenant`.
import { applyLocalTenant, type LocalTenantContext } from '@cloudpos/operator/local';

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

export async function prepareDemoTenant(ctx: LocalTenantContext): Promise<DemoTenant> {
  const tenant = await applyLocalTenant(ctx, DEMO_TENANT);
  const schema = tenant.status!.schema!;
  const { rows } = await ctx.postgres.query<{ n: number }>(
    `select count(*)::int as n from "${schema}".store`,
  );
  return { url: tenant.status!.url!, schema, phase: tenant.status!.phase!, stores: rows[0]!.n };
}
