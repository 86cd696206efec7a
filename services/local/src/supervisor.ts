// Keeps `npm start`'s processes running. A child that exits while the platform runs is started
// again after a backoff (1 s, doubling up to 30 s), with a line saying so; one that exits
// `maxCrashes` times within `windowMs` is left stopped with one message naming its log, and the
// others keep running. Ctrl-C stops everything in the reverse order of starting.
import type { ManagedProcess } from '@cloudpos/harness';

/** Something started by `npm start`: a process, and how to stop it (and what it owns). */
export interface Child {
  process: ManagedProcess;
  stop(): Promise<unknown>;
}

export interface SupervisorOptions {
  say(line: string): void;
  /** Exits within `windowMs` after which a child stays stopped (default 5 in 10 minutes). */
  maxCrashes?: number;
  windowMs?: number;
  /** The wait before the n-th restart (n from 1); default 1 s doubling up to 30 s. */
  backoffMs?: (attempt: number) => number;
}

interface Entry {
  name: string;
  stop(): Promise<unknown>;
}

export class Supervisor {
  private readonly entries: Entry[] = [];
  private stopping = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly options: Required<SupervisorOptions>;

  constructor(options: SupervisorOptions) {
    this.options = {
      maxCrashes: 5,
      windowMs: 10 * 60_000,
      backoffMs: (attempt) => Math.min(30_000, 1000 * 2 ** (attempt - 1)),
      ...options,
    };
  }

  /**
   * Starts a child and keeps it running. A failure of the first start is thrown (the platform does
   * not come up half-way); later failures to start count as crashes.
   */
  async keep<T extends Child>(name: string, start: () => Promise<T>): Promise<T> {
    let current = await start();
    const crashes: number[] = [];
    const entry: Entry = { name, stop: () => current.stop() };
    this.entries.push(entry);

    const watch = (child: T) => {
      void child.process.exited.then(async (status) => {
        if (this.stopping || child !== current) return;
        const now = Date.now();
        crashes.push(now);
        while (crashes[0]! < now - this.options.windowMs) crashes.shift();
        const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
        if (crashes.length >= this.options.maxCrashes) {
          this.options.say(
            `${name} stopped unexpectedly (${how}), ${crashes.length} times within ${Math.round(this.options.windowMs / 60_000)} min: it stays stopped and the rest keeps running. Read its log: ${child.process.logFile}; restart npm start when it is fixed.`,
          );
          return;
        }
        const wait = this.options.backoffMs(crashes.length);
        this.options.say(
          `${name} stopped unexpectedly (${how}); starting it again in ${wait / 1000} s. Log: ${child.process.logFile}`,
        );
        await this.sleep(wait);
        if (this.stopping) return;
        let next: T;
        try {
          next = await start();
        } catch (error) {
          // The new process died during start-up: that counts as the next crash.
          this.options.say(`${name} could not start again: ${(error as Error).message.split('\n')[0]}`);
          watch(child);
          return;
        }
        current = next;
        // Ctrl-C came while it started: stopAll already stopped the previous one.
        if (this.stopping) return void (await next.stop());
        this.options.say(`${name} is running again.`);
        watch(next);
      });
    };
    watch(current);
    return current;
  }

  /** Something to stop on Ctrl-C that is not a supervised process (the Stripe fake). */
  onStop(name: string, stop: () => Promise<unknown>): void {
    this.entries.push({ name, stop });
  }

  /** Stops everything, the last started first; pending restarts are cancelled. */
  async stopAll(report: (name: string, error: Error) => void): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const entry of this.entries.splice(0).reverse()) {
      try {
        await entry.stop();
      } catch (error) {
        report(entry.name, error as Error);
      }
    }
  }

  get size(): number {
    return this.entries.length;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}
