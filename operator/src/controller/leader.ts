// Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews the lease;
// anyone may take it over once it has not been renewed for a lease duration. Updates use the
// lease's resourceVersion, so two candidates can never both win the same round. Every change of
// state and every failure is logged with the Lease it concerns: an operator that never leads must
// say why, since only the leader reconciles.
import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeApiError } from '../kube/apply.ts';

/**
 * Lease times are MicroTime (six fractional digits); client-node serializes a Date with three, which
 * the API server rejects. A preformatted string passes through its serializer untouched.
 */
function microTime(date: Date): Date {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

/** The part of a pino logger the elector uses (objects first, as pino wants them). */
export interface ElectionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
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
  /** Told about leadership changes and failures; silent when absent. */
  logger?: ElectionLogger;
}

/** The Lease's namespace does not exist: nobody can lead until someone creates it. */
export class LeaseNamespaceMissingError extends Error {
  override name = 'LeaseNamespaceMissingError';
}

interface Round {
  leading: boolean;
  /** Who holds the lease when it is not us. */
  holder?: string;
}

const silent: ElectionLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** The status code and the API server's own message, not the whole response client-node reports. */
function describeError(error: unknown): string {
  const message = describeApiError(error);
  return error instanceof ApiException ? `${error.code} ${message}` : message;
}

export class LeaderElector {
  private readonly options: Required<LeaderElectionOptions>;
  private leading = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  /** The last failure and holder logged, so a retry every few seconds does not repeat them. */
  private lastFailure: string | undefined;
  private lastHolder: string | undefined;

  constructor(options: LeaderElectionOptions) {
    this.options = {
      leaseDurationSeconds: 15,
      retryPeriodMs: 2000,
      now: () => new Date(),
      logger: silent,
      ...options,
    };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** `namespace/name` of the Lease, for logs. */
  get lease(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  start(): void {
    this.options.logger.info(
      { lease: this.lease, identity: this.options.identity },
      'campaigning for leadership',
    );
    this.loop = this.run();
  }

  /** Stops campaigning and hands the lease back so a standby takes over without waiting it out. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.leading) {
      await this.release().catch((error: unknown) =>
        this.options.logger.warn(
          { lease: this.lease, err: describeError(error) },
          'could not hand the lease back; a standby takes over once it expires',
        ),
      );
      this.setLeading(false, 'stopping');
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const round = await this.tryAcquireOrRenew().then(
        (result): Round => {
          this.recovered();
          return result;
        },
        (error: unknown): Round => {
          this.failed(error);
          return { leading: false };
        },
      );
      if (this.stopped) break;
      if (!round.leading && round.holder !== undefined) this.standingBy(round.holder);
      this.setLeading(
        round.leading,
        this.lastFailure
          ? `renewing the lease failed: ${this.lastFailure}`
          : `the lease was taken by ${round.holder ?? 'another candidate'}`,
      );
      await sleep(this.options.retryPeriodMs);
    }
  }

  private setLeading(leading: boolean, reason: string): void {
    if (leading === this.leading) return;
    this.leading = leading;
    const fields = { lease: this.lease, identity: this.options.identity };
    if (leading) {
      this.lastHolder = this.options.identity;
      this.options.logger.info(fields, 'became leader');
      this.options.onStartedLeading();
    } else {
      if (this.stopped) this.options.logger.info(fields, 'stepped down');
      else this.options.logger.warn({ ...fields, reason }, 'lost leadership; standing by');
      this.options.onStoppedLeading();
    }
  }

  private standingBy(holder: string): void {
    if (holder === this.lastHolder) return;
    this.lastHolder = holder;
    this.options.logger.info(
      { lease: this.lease, identity: this.options.identity, holder },
      'standing by: another replica holds the lease',
    );
  }

  private failed(error: unknown): void {
    const message = describeError(error);
    if (message === this.lastFailure) return;
    this.lastFailure = message;
    const fields = { lease: this.lease, identity: this.options.identity, err: message };
    if (error instanceof LeaseNamespaceMissingError) this.options.logger.error(fields, message);
    else if (this.leading) this.options.logger.warn(fields, 'renewing the lease failed');
    else this.options.logger.warn(fields, 'acquiring the lease failed; retrying');
  }

  private recovered(): void {
    if (this.lastFailure === undefined) return;
    this.lastFailure = undefined;
    this.options.logger.info({ lease: this.lease }, 'the lease is reachable again');
  }

  private async tryAcquireOrRenew(): Promise<Round> {
    const { coordination, namespace, name, identity, leaseDurationSeconds } = this.options;
    const now = this.options.now();
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
      try {
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
      } catch (createError) {
        // Creating in a namespace that does not exist is the one 404 a create returns.
        if (createError instanceof ApiException && createError.code === 404)
          throw new LeaseNamespaceMissingError(
            `the namespace ${namespace} for the leader-election Lease ${name} does not exist, so no replica can lead: ` +
              `create it (kubectl create namespace ${namespace}) or set LEASE_NAMESPACE to an existing namespace`,
            { cause: createError },
          );
        if (createError instanceof ApiException && createError.code === 409) return { leading: false }; // another candidate created it first
        throw createError;
      }
      return { leading: true };
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired =
      holder === '' || renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < now.getTime();
    if (holder !== identity && !expired) return { leading: false, holder };
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
      return { leading: true };
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) return { leading: false }; // someone else won this round
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
