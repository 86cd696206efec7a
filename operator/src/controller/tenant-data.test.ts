// A tenant's identity is completed, never replaced: keys added later (the PIN pepper) reach tenants
// created before them without touching the secrets they already run on.
import { describe, expect, it } from 'vitest';
import { completeIdentity, isCompleteIdentity } from './tenant-data.ts';

describe('completeIdentity', () => {
  it('gives an identity from before the PIN pepper a pepper and keeps every other key', () => {
    const fresh = completeIdentity({});
    const { PIN_PEPPERS: _, ...older } = fresh;
    expect(isCompleteIdentity(older)).toBe(false);
    const completed = completeIdentity(older);
    expect(completed).toMatchObject(older);
    expect(completed.PIN_PEPPERS).toMatch(/^v1:[A-Za-z0-9+/]{43}=$/);
    expect(completed.PIN_PEPPERS).not.toBe(fresh.PIN_PEPPERS);
    expect(completeIdentity(completed)).toBe(completed);
  });
});
