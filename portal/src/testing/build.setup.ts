// vitest global setup: the portal's production build, so tests serve exactly what a pod serves, and
// the till's (when its sources changed), which the pooled POS API serves for pairing in a browser.
import { buildTill } from '@cloudpos/till/build';
import { buildPortal } from '../build.ts';

export default async function setup() {
  await buildPortal();
  await buildTill();
}
