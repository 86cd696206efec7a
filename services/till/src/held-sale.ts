// The sale on screen, held for its cashier in IndexedDB while they are signed out (the till locked
// itself, or another cashier took over, or the tab was reloaded): it comes back when they sign in
// again, and goes when it is completed, parked or cleared. One held sale per cashier on this register.
//
// Every change of the cart asks to hold it, and a fast cashier (or a held "one more" key) changes it
// faster than IndexedDB commits under load: a write per change queued behind the others, and a reload
// or a crash then brings back whichever one had committed. So only the newest sale of each cashier
// waits to be written, one write at a time, and reading a held sale first lets those writes finish.
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

/** The newest sale of each cashier not written yet, and the loop writing them. */
const waiting = new Map<string, { db: TillDb; sale: HeldSale }>();
let writing: Promise<void> | undefined;

/** Keeps the cashier's sale on screen (an empty one removes what was held); settles once written. */
export function holdSale(db: TillDb, staffId: string, sale: HeldSale): Promise<void> {
  waiting.delete(keyOf(staffId)); // the newest goes to the back of the line
  waiting.set(keyOf(staffId), { db, sale });
  writing ??= writeWaiting().finally(() => {
    writing = undefined;
  });
  return writing;
}

async function writeWaiting(): Promise<void> {
  for (const [key, { db, sale }] of waiting) {
    waiting.delete(key);
    if (sale.lines.length === 0 && !sale.resumed) await db.delete('meta', key);
    else await db.put('meta', sale, key);
  }
}

/** The sale the cashier left on screen, if any, once the sales waiting to be held are written. */
export async function takeHeldSale(db: TillDb, staffId: string): Promise<HeldSale | undefined> {
  await writing?.catch(() => undefined);
  const held = (await db.get('meta', keyOf(staffId))) as HeldSale | undefined;
  return held && held.lines.length > 0 ? held : undefined;
}
