// What a register may do while the server cannot be reached: a sale made offline is a promise the
// server has not checked yet, so how much may pile up is bounded. The limits are the tenant's
// (GET /v1/settings, kept on the register by the catalog sync); a register that never synced them
// uses the server's defaults. Pure: the tender screen asks.
import { currencyExponent } from '@cloudpos/pricing';

export type OfflineTender = 'cash' | 'external';

export interface OfflineLimits {
  /** Longest a sale may wait for the server before the register stops selling offline (0: never offline). */
  maxOfflineHours: number;
  /** Largest single sale, in minor units. */
  maxSaleAmount: number;
  /** Most money waiting for the server, in minor units. */
  maxQueuedAmount: number;
  /** Most sales waiting for the server. */
  maxQueuedSales: number;
  /** Tenders taken offline (cards always need the network). */
  tenders: OfflineTender[];
}

/** The server's defaults (settings/repository.ts): 24 hours, 500 a sale, 5,000 and 1,000 sales queued. */
export function defaultOfflineLimits(currency: string): OfflineLimits {
  const major = 10 ** currencyExponent(currency);
  return {
    maxOfflineHours: 24,
    maxSaleAmount: 500 * major,
    maxQueuedAmount: 5_000 * major,
    maxQueuedSales: 1_000,
    tenders: ['cash', 'external'],
  };
}

export interface Queue {
  count: number;
  /** Minor units. */
  amount: number;
  oldest?: string;
}

const TENDER_WORDS: Record<OfflineTender, string> = {
  cash: 'cash',
  external: 'other ways to pay (voucher, terminal)',
};

/** Why this sale may not be made offline, in words for the cashier; undefined when it may. */
export function offlineRefusal(
  sale: { total: number; currency: string; tenders: OfflineTender[] },
  queue: Queue,
  now: Date,
  format: (minorUnits: number) => string,
  limits: OfflineLimits = defaultOfflineLimits(sale.currency),
): string | undefined {
  if (limits.maxOfflineHours === 0)
    return 'This register may not sell without the network. Reconnect it to sell.';
  const refused = sale.tenders.find((tender) => !limits.tenders.includes(tender));
  if (refused)
    return limits.tenders.length === 0
      ? 'Without the network this register takes no payments. Reconnect it to sell.'
      : `Without the network this register takes only ${limits.tenders.map((tender) => TENDER_WORDS[tender]).join(' and ')}.`;
  if (queue.oldest && now.getTime() - Date.parse(queue.oldest) > limits.maxOfflineHours * 3_600_000)
    return `This register has had sales waiting for the server for more than ${limits.maxOfflineHours} hours. Reconnect it before selling more.`;
  if (sale.total > limits.maxSaleAmount)
    return `Without the network a sale can be at most ${format(limits.maxSaleAmount)}. Reconnect, or split the sale.`;
  if (queue.count + 1 > limits.maxQueuedSales)
    return `${queue.count} sales are waiting for the server, the most this register may keep. Reconnect before selling more.`;
  if (queue.amount + sale.total > limits.maxQueuedAmount)
    return `Sales worth ${format(queue.amount)} are waiting for the server; at most ${format(limits.maxQueuedAmount)} may wait. Reconnect before selling more.`;
  return undefined;
}
