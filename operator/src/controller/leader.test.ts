// Two candidates for one Lease on the real API server: exactly one leads, and a standby takes over
// when the leader steps down or stops renewing.
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type {} from '@cloudpos/harness/vitest/provided';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LeaderElector, type ElectionLogger } from './leader.ts';

let coordination: CoordinationV1Api;
let core: CoreV1Api;

beforeAll(() => {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfigPath'));
  coordination = kc.makeApiClient(CoordinationV1Api);
  core = kc.makeApiClient(CoreV1Api);
});

/** A logger that keeps `level: message` lines and their fields. */
function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, message, fields: fields as Record<string, unknown> });
    };
  const logger: ElectionLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

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

  it('says why it cannot lead while the Lease namespace is missing, once, and leads when it appears', async () => {
    const { logger, lines } = recordingLogger();
    const elector = new LeaderElector({
      coordination,
      namespace: 'lease-home',
      name: 'operator-c',
      identity: 'replica-d',
      retryPeriodMs: 100,
      logger,
      onStartedLeading: () => {},
      onStoppedLeading: () => {},
    });
    elector.start();
    await until(() => lines.some((line) => line.level === 'error'));
    await sleep(500); // several more rounds fail the same way
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain(
      'the namespace lease-home for the leader-election Lease operator-c does not exist',
    );
    expect(errors[0]!.message).toContain('kubectl create namespace lease-home');
    expect(errors[0]!.fields).toMatchObject({ lease: 'lease-home/operator-c', identity: 'replica-d' });
    expect(elector.isLeader).toBe(false);

    await core.createNamespace({ body: { metadata: { name: 'lease-home' } } });
    await until(() => elector.isLeader);
    expect(lines.map((line) => `${line.level}: ${line.message}`)).toEqual(
      expect.arrayContaining(['info: the lease is reachable again', 'info: became leader']),
    );
    await elector.stop();
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'stepped down' });
  });
});
