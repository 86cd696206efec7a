import { describe, expect, it } from 'vitest';
import { phaseOf, readyCondition, sameStatus, setCondition, type Condition } from './conditions.ts';

const t0 = new Date('2026-11-24T10:00:00.000Z');
const t1 = new Date('2026-11-24T10:05:00.000Z');

describe('setCondition', () => {
  it('keeps lastTransitionTime while the status stays the same, and moves it on a change', () => {
    const first = setCondition(
      undefined,
      { type: 'DatabaseReady', status: 'False', reason: 'Provisioning', message: 'a' },
      1,
      t0,
    );
    const same = setCondition(
      first,
      { type: 'DatabaseReady', status: 'False', reason: 'MigrationFailed', message: 'b' },
      2,
      t1,
    );
    expect(same[0]).toMatchObject({
      lastTransitionTime: '2026-11-24T10:00:00Z',
      reason: 'MigrationFailed',
      observedGeneration: 2,
    });
    const flipped = setCondition(
      same,
      { type: 'DatabaseReady', status: 'True', reason: 'Migrated', message: 'c' },
      2,
      t1,
    );
    expect(flipped[0]?.lastTransitionTime).toBe('2026-11-24T10:05:00Z');
  });

  it('keeps one condition per type, sorted', () => {
    let conditions: Condition[] = [];
    for (const type of ['WorkloadsReady', 'DatabaseReady', 'WorkloadsReady'] as const) {
      conditions = setCondition(conditions, { type, status: 'True', reason: 'Ok', message: '' }, 1, t0);
    }
    expect(conditions.map((c) => c.type)).toEqual(['DatabaseReady', 'WorkloadsReady']);
  });
});

describe('readiness and phase', () => {
  const all = (status: Condition['status']) =>
    (['DatabaseReady', 'MessagingReady', 'WorkloadsReady'] as const).reduce<Condition[]>(
      (conditions, type) =>
        setCondition(
          conditions,
          { type, status, reason: status === 'True' ? 'Ok' : 'ProvisionFailed', message: '' },
          1,
          t0,
        ),
      [],
    );

  it('is Ready only when every part is', () => {
    expect(readyCondition(all('True'), false)).toMatchObject({ status: 'True' });
    const partial = setCondition(
      all('True'),
      { type: 'WorkloadsReady', status: 'False', reason: 'Rollout', message: '' },
      1,
      t0,
    );
    expect(readyCondition(partial, false)).toMatchObject({
      status: 'False',
      message: 'Waiting for: WorkloadsReady.',
    });
    expect(readyCondition(all('True'), true)).toMatchObject({ status: 'False', reason: 'Suspended' });
  });

  it.each([
    [{ suspended: false, deleting: true }, 'True', 'Deleting'],
    [{ suspended: true, deleting: false }, 'True', 'Suspended'],
    [{ suspended: false, deleting: false }, 'True', 'Ready'],
    [{ suspended: false, deleting: false }, 'False', 'Degraded'],
  ] as const)('derives the phase for %j with parts %s: %s', (state, parts, phase) => {
    const conditions = all(parts);
    const withReady = setCondition(conditions, readyCondition(conditions, state.suspended), 1, t0);
    expect(phaseOf(withReady, state)).toBe(phase);
  });

  it('is Pending with no conditions yet', () => {
    expect(phaseOf([], { suspended: false, deleting: false })).toBe('Pending');
  });

  it('compares statuses regardless of condition order', () => {
    const conditions = all('True');
    expect(
      sameStatus({ phase: 'Ready', conditions }, { phase: 'Ready', conditions: [...conditions].reverse() }),
    ).toBe(true);
    expect(sameStatus({ phase: 'Ready', conditions }, { phase: 'Degraded', conditions })).toBe(false);
    // The server returns keys sorted; what we build has our order (a resync would write every time).
    expect(
      sameStatus(
        { url: 'https://a', phase: 'Ready', conditions },
        { phase: 'Ready', url: 'https://a', schema: undefined, conditions },
      ),
    ).toBe(true);
  });
});
