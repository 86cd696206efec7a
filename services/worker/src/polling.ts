// The loop every worker job runs per tenant (the outbox relay, the receipt mail sender): a pass
// every `intervalMs`, straight away again while a pass says there is more, and a growing pause (up
// to 5 s) while passes fail. It can be nudged, stopped (an in-flight pass finishes first), and says
// when its last pass ended, so that a pass that never ends shows on the worker's /healthz.

export interface PollingLoop {
  /** Resolves once the loop has stopped (an in-flight pass finishes first). */
  stop(): Promise<void>;
  /** Runs a pass now instead of waiting for the next tick. */
  nudge(): void;
  /** When the last pass ended (or the loop started), as Date.now(). */
  lastPassAt(): number;
}

export interface PollingOptions {
  intervalMs: number;
  /** Called with the error and how many passes in a row have failed (the pause grows with them). */
  onFailure(error: unknown, failures: number): Promise<void> | void;
  /** Called once after a pass succeeds that follows failed ones. */
  onRecovery?(): void;
}

/** `pass` resolves to true when more work is waiting (the next pass then starts at once). */
export function startPolling(pass: () => Promise<boolean>, options: PollingOptions): PollingLoop {
  const interval = options.intervalMs;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let lastPassAt = Date.now();
  const loop = (async () => {
    while (!stopped) {
      let delay = interval;
      try {
        const more = await pass();
        if (failures > 0) options.onRecovery?.();
        failures = 0;
        if (more) delay = 0;
      } catch (error) {
        failures += 1;
        delay = Math.min(5000, interval * 2 ** Math.min(failures, 5));
        await options.onFailure(error, failures);
      }
      lastPassAt = Date.now();
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
    }
  })();
  return {
    lastPassAt: () => lastPassAt,
    nudge: () => {
      clearTimeout(timer);
      wake?.();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
