// Vitest global setup of the till project: its browser tests need the built app.
import { buildTill } from './build.ts';

export default async function setup(): Promise<void> {
  await buildTill();
}
