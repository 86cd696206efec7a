// Today's takings of a tenant, as its POS API counts them (GET /v1/sales/summary, reports.read):
// "today" is the calendar day in the tenant's time zone, the amounts are in its currency.
import type { PosApi } from '../src/pos/client.ts';
import type { ManagedTenant } from '../src/pos/access.ts';
import { dayOf } from './day.ts';

export interface Takings {
  /** The tenant's calendar day, YYYY-MM-DD. */
  date: string;
  currency: string;
  salesCount: number;
  /** Minor units. */
  salesAmount: number;
  returnsCount: number;
  /** Minor units, negative. */
  returnsAmount: number;
  netAmount: number;
}

interface Summary {
  currencies: Omit<Takings, 'date'>[];
}

export async function todaysTakings(
  api: PosApi,
  tenant: Pick<ManagedTenant, 'currency' | 'timezone'>,
  now = new Date(),
): Promise<Takings> {
  const day = dayOf(now, tenant.timezone);
  const { data } = await api.get<Summary>('/v1/sales/summary', {
    from: day.from.toISOString(),
    to: day.to.toISOString(),
  });
  const figures = data.currencies.find((entry) => entry.currency === tenant.currency);
  return {
    date: day.date,
    currency: tenant.currency,
    salesCount: figures?.salesCount ?? 0,
    salesAmount: figures?.salesAmount ?? 0,
    returnsCount: figures?.returnsCount ?? 0,
    returnsAmount: figures?.returnsAmount ?? 0,
    netAmount: figures?.netAmount ?? 0,
  };
}
