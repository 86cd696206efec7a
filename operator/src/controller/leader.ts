// Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews the lease;
// anyone may take it over once it has not been renewed for a lease duration. Updates use the
// lease's resourceVersion, so two candidates can never both win the same round.
import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Lease times are MicroTime (six fractional digits); client-node serializes a Date with three, which
 * the API server rejects. A preformatted string passes through its serializer untouched.
 */
function microTime(date: Date): Date {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

export interface LeaderElectionOptions {
  coordination: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  retryPeriodMs?: number;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  now?: () => Date;
}

export class LeaderElector {
  private readonly options: Required<LeaderElectionOptions>;
  private leading = false;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.options = { leaseDurationSeconds: 15, retryPeriodMs: 2000, now: () => new Date(), ...options };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops campaigning and hands the lease back so a standby takes over without waiting it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.leading) {
      await this.release().catch(() => {});
      this.setLeading(false);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const leading = await this.tryAcquireOrRenew().catch(() => false);
      if (this.stopped) break;
      this.setLeading(leading);
      await sleep(this.options.retryPeriodMs);
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { coordination, namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = this.options.now();
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
      await coordination.createNamespacedLease({
        namespace,
        body: {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired =
      holder === '' || renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < now.getTime();
    if (holder !== identity && !expired) return false;
    const takingOver = holder !== identity;
    try {
      await coordination.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: identity,
            leaseDurationSeconds,
            renewTime: microTime(now),
            ...(takingOver
              ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }
              : {}),
          },
        },
      });
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) return false; // someone else won this round
      throw error;
    }
  }

  private async release(): Promise<void> {
    const { coordination, namespace, name, identity } = this.options;
    const lease = await coordination.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) return;
    await coordination.replaceNamespacedLease({
      name,
      namespace,
      body: {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', renewTime: undefined, acquireTime: undefined },
      },
    });
  }
}
