// vitest global setup: the portal's production build, so tests serve exactly what a pod serves.
import { buildPortal } from '../build.ts';

export default async function setup() {
  await buildPortal();
}
