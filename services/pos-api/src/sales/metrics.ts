// The business side of /metrics: sales and returns committed per tenant, their amounts in minor
// units per currency, and how many arrived from a till's offline queue. Labels are the tenant's slug,
// the kind (sale, return, unreceipted_return) and the currency: bounded by the number of tenants.
import { Counter, type Registry } from 'prom-client';

/** A sale whose till made it this long before it reached the server came from its offline queue. */
const OFFLINE_AFTER_MS = 60_000;

export interface SalesMetrics {
  committed(input: {
    tenant: string;
    kind: string;
    currency: string;
    total: number;
    clientCreatedAt?: string | null;
    at: Date;
  }): void;
}

export function salesMetrics(registry: Registry): SalesMetrics {
  const sales = new Counter({
    name: 'cloudpos_sales_total',
    help: 'Sales and returns committed (a replayed answer is not counted again).',
    labelNames: ['tenant', 'kind'] as const,
    registers: [registry],
  });
  const amount = new Counter({
    name: 'cloudpos_sales_amount_minor_total',
    help: 'Sum of the totals of committed sales and returns (returns count their refund as positive), in minor units.',
    labelNames: ['tenant', 'kind', 'currency'] as const,
    registers: [registry],
  });
  const offline = new Counter({
    name: 'cloudpos_sales_offline_replayed_total',
    help: 'Sales committed more than a minute after the till made them: replayed from its offline queue.',
    labelNames: ['tenant'] as const,
    registers: [registry],
  });
  return {
    committed({ tenant, kind, currency, total, clientCreatedAt, at }) {
      sales.inc({ tenant, kind });
      amount.inc({ tenant, kind, currency }, Math.abs(total));
      const made = clientCreatedAt ? Date.parse(clientCreatedAt) : NaN;
      if (kind === 'sale' && at.getTime() - made > OFFLINE_AFTER_MS) offline.inc({ tenant });
    },
  };
}
