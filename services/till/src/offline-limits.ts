// What a register may do while the server cannot be reached: a sale made offline is a promise the
// server has not checked yet, so how much may pile up is bounded. Pure: the tender screen asks.
// The API has no per-tenant setting for these yet: the till's defaults apply to every tenant.
import { currencyExponent } from '@cloudpos/pricing';

export interface OfflineLimits {
  /** Longest a sale may wait for the server before the register stops selling offline. */
  maxOfflineHours: number;
  /** Largest single sale, in major units of the currency. */
  maxSaleAmount: number;
  /** Most money waiting for the server, in major units. */
  maxQueuedAmount: number;
  /** Most sales waiting for the server. */
  maxQueuedSales: number;
}

export const DEFAULT_OFFLINE_LIMITS: OfflineLimits = {
  maxOfflineHours: 24,
  maxSaleAmount: 500,
  maxQueuedAmount: 5_000,
  maxQueuedSales: 1_000,
};

export interface Queue {
  count: number;
  /** Minor units. */
  amount: number;
  oldest?: string;
}

/** Why this sale may not be made offline, in words for the cashier; undefined when it may. */
export function offlineRefusal(
  sale: { total: number; currency: string },
  queue: Queue,
  now: Date,
  format: (minorUnits: number) => string,
  limits: OfflineLimits = DEFAULT_OFFLINE_LIMITS,
): string | undefined {
  const unit = 10 ** currencyExponent(sale.currency);
  if (queue.oldest && now.getTime() - Date.parse(queue.oldest) > limits.maxOfflineHours * 3_600_000)
    return `This register has had sales waiting for the server for more than ${limits.maxOfflineHours} hours. Reconnect it before selling more.`;
  if (sale.total > limits.maxSaleAmount * unit)
    return `Without the network a sale can be at most ${format(limits.maxSaleAmount * unit)}. Reconnect, or split the sale.`;
  if (queue.count + 1 > limits.maxQueuedSales)
    return `${queue.count} sales are waiting for the server, the most this register may keep. Reconnect before selling more.`;
  if (queue.amount + sale.total > limits.maxQueuedAmount * unit)
    return `Sales worth ${format(queue.amount)} are waiting for the server; at most ${format(limits.maxQueuedAmount * unit)} may wait. Reconnect before selling more.`;
  return undefined;
}
