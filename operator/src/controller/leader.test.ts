// Two candidates for one Lease on the real API server: exactly one leads, and a standby takes over
// when the leader steps down or stops renewing.
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import type {} from '@cloudpos/harness/vitest/provided';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LeaderElector } from './leader.ts';

let coordination: CoordinationV1Api;

beforeAll(() => {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  coordination = kc.makeApiClient(CoordinationV1Api);
});

function candidate(name: string, identity: string, log: string[], leaseDurationSeconds = 2) {
  return new LeaderElector({
    coordination,
    namespace: 'default',
    name,
    identity,
    leaseDurationSeconds,
    retryPeriodMs: 200,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(50);
  }
}

describe('leader election on a Lease', () => {
  it('lets exactly one of two candidates lead, and hands over when the leader stops', async () => {
    const log: string[] = [];
    const a = candidate('operator-a', 'replica-a', log);
    const b = candidate('operator-a', 'replica-b', log);
    a.start();
    b.start();
    await until(() => a.isLeader || b.isLeader);
    await sleep(1000);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = a.isLeader ? [a, b] : [b, a];
    await leader.stop();
    await until(() => standby.isLeader);
    expect(leader.isLeader).toBe(false);
    await standby.stop();
    expect(log.filter((line) => line.endsWith('leads'))).toHaveLength(2);
  });

  it('takes over a lease whose holder stopped renewing', async () => {
    const log: string[] = [];
    await coordination.createNamespacedLease({
      namespace: 'default',
      body: {
        metadata: { name: 'operator-b' },
        spec: {
          holderIdentity: 'crashed-replica',
          leaseDurationSeconds: 1,
          // MicroTime as a string: client-node would send a Date with too few fractional digits.
          renewTime: new Date().toISOString().replace('Z', '000Z') as unknown as Date,
        },
      },
    });
    const survivor = candidate('operator-b', 'replica-c', log, 1);
    survivor.start();
    expect(survivor.isLeader).toBe(false);
    await until(() => survivor.isLeader);
    const lease = await coordination.readNamespacedLease({ name: 'operator-b', namespace: 'default' });
    expect(lease.spec?.holderIdentity).toBe('replica-c');
    expect(lease.spec?.leaseTransitions).toBe(1);
    await survivor.stop();
  });
});
