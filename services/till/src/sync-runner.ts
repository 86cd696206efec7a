// Replays the outbox: at start-up, when the browser comes back online, after each new sale, and on
// a timer with backoff while the server cannot be reached. Only the tab that holds the register's
// Web Lock runs it, so two tabs never replay at once.
import type { TillDb } from './db.ts';
import { outboxStatus, replayOutbox, type OutboxStatus } from './outbox.ts';

export interface SyncState extends OutboxStatus {
  online: boolean;
  syncing: boolean;
  lastSyncedAt?: string;
}

const BASE_DELAY_MS = 2_000;
const MAX_DELAY_MS = 60_000;
const IDLE_DELAY_MS = 30_000;

export interface SyncRunner {
  /** Replays now (or right after the replay that is running). */
  kick(): Promise<void>;
  subscribe(listener: (state: SyncState) => void): () => void;
  stop(): void;
}

export function startSyncRunner(db: TillDb): SyncRunner {
  let state: SyncState = { online: navigator.onLine, syncing: false, queued: 0, attention: [] };
  const listeners = new Set<(state: SyncState) => void>();
  const publish = (patch: Partial<SyncState>) => {
    state = { ...state, ...patch };
    for (const listener of listeners) listener(state);
  };
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => void kick(), ms);
  };

  async function runOnce(): Promise<void> {
    publish({ syncing: true });
    try {
      const result = await replayOutbox(db);
      if (result.stoppedBy) {
        failures += 1;
        schedule(Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - 1)));
      } else {
        failures = 0;
        publish({ lastSyncedAt: new Date().toISOString() });
        schedule(IDLE_DELAY_MS);
      }
    } finally {
      publish({ syncing: false, online: navigator.onLine, ...(await outboxStatus(db)) });
    }
  }

  function kick(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = runOnce()
      .catch((error: unknown) =>
        publish({ lastError: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          void kick();
        }
      });
    return running;
  }

  const onOnline = () => {
    failures = 0;
    publish({ online: true });
    void kick();
  };
  const onOffline = () => publish({ online: false });
  addEventListener('online', onOnline);
  addEventListener('offline', onOffline);
  void outboxStatus(db).then((status) => publish(status));
  void kick();

  return {
    kick,
    subscribe(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      removeEventListener('online', onOnline);
      removeEventListener('offline', onOffline);
    },
  };
}
