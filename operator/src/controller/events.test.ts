import { describe, expect, it } from 'vitest';
import { setCondition, type Condition } from './conditions.ts';
import { transitionEvents } from './events.ts';

const at = new Date('2026-11-24T10:00:00Z');
const ready = (status: Condition['status'], reason: string, before?: Condition[]) =>
  setCondition(before, { type: 'DatabaseReady', status, reason, message: 'm' }, 1, at);

describe('transitionEvents', () => {
  it('reports every condition the first time', () => {
    expect(transitionEvents(undefined, ready('True', 'Migrated'))).toEqual([
      { type: 'Normal', reason: 'Migrated', message: 'DatabaseReady=True: m' },
    ]);
  });

  it('stays quiet while nothing changes', () => {
    const conditions = ready('True', 'Migrated');
    expect(transitionEvents(conditions, ready('True', 'Migrated', conditions))).toEqual([]);
  });

  it('warns about failures and blocked deletions', () => {
    const conditions = ready('True', 'Migrated');
    expect(transitionEvents(conditions, ready('False', 'ProvisionFailed', conditions))[0]?.type).toBe(
      'Warning',
    );
    expect(transitionEvents(conditions, ready('False', 'DeletionBlocked', conditions))[0]?.type).toBe(
      'Warning',
    );
    expect(transitionEvents(conditions, ready('False', 'RollingOut', conditions))[0]?.type).toBe('Normal');
  });
});
