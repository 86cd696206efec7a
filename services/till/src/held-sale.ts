// The sale on screen, held for its cashier in IndexedDB while they are signed out (the till locked
// itself, or another cashier took over): it comes back when they sign in again, and goes when it is
// completed, parked or cleared. One held sale per cashier on this register.
import type { CartLine, OrderDiscount } from './cart.ts';
import type { TillDb } from './db.ts';
import type { ResumedSale } from './parked.ts';

export interface HeldSale {
  lines: CartLine[];
  orderDiscount?: OrderDiscount | undefined;
  /** The parked sale the cart came from, if it was resumed. */
  resumed?: ResumedSale | undefined;
}

const keyOf = (staffId: string) => `heldSale:${staffId}`;

/** Keeps the cashier's sale on screen (an empty one removes what was held). */
export async function holdSale(db: TillDb, staffId: string, sale: HeldSale): Promise<void> {
  if (sale.lines.length === 0 && !sale.resumed) await db.delete('meta', keyOf(staffId));
  else await db.put('meta', sale, keyOf(staffId));
}

/** The sale the cashier left on screen, if any. */
export async function takeHeldSale(db: TillDb, staffId: string): Promise<HeldSale | undefined> {
  const held = (await db.get('meta', keyOf(staffId))) as HeldSale | undefined;
  return held && held.lines.length > 0 ? held : undefined;
}
