// A work queue in the shape of client-go's: each key is queued at most once, never processed by two
// workers at the same time (a change during processing queues it again), retried with per-key
// exponential backoff, and drained by a bounded number of workers.

export interface WorkQueueOptions {
  concurrency: number;
  /** First retry delay; doubles per consecutive failure of the same key. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onDepthChange?: (depth: number) => void;
}

export type Handler = (key: string) => Promise<{ requeueAfterMs?: number } | void>;

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly options: Required<Omit<WorkQueueOptions, 'onDepthChange'>> &
    Pick<WorkQueueOptions, 'onDepthChange'>;
  private wake: (() => void) | undefined;
  private stopped = false;
  private workers: Promise<void>[] = [];

  constructor(options: WorkQueueOptions) {
    this.options = { baseDelayMs: 500, maxDelayMs: 5 * 60_000, ...options };
  }

  get depth(): number {
    return this.order.length;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.options.onDepthChange?.(this.depth);
    this.wake?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** The delay the next failure of this key would wait. */
  backoffFor(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** failures);
  }

  start(handler: Handler): void {
    this.workers = Array.from({ length: this.options.concurrency }, () => this.work(handler));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.wake?.();
    await Promise.all(this.workers);
  }

  private async work(handler: Handler): Promise<void> {
    while (!this.stopped) {
      const key = this.order.shift();
      if (key === undefined) {
        await new Promise<void>((resolve) => {
          const previous = this.wake;
          this.wake = () => {
            this.wake = undefined;
            previous?.();
            resolve();
          };
        });
        continue;
      }
      this.queued.delete(key);
      this.processing.add(key);
      this.options.onDepthChange?.(this.depth);
      try {
        const result = await handler(key);
        this.failures.delete(key);
        if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
      } catch {
        const delay = this.backoffFor(key);
        this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
        this.addAfter(key, delay);
      } finally {
        this.processing.delete(key);
        if (this.dirty.delete(key)) this.add(key);
      }
    }
  }
}
