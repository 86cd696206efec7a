// Entry point: tracing first (every API call is then a span), one tab per register (a Web Lock
// held for the tab's life; a second tab is refused), the service worker for offline start,
// persistent storage, then the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startTillTelemetry } from './telemetry.ts';
import { App } from './ui/App.tsx';
import './ui/styles.css';

startTillTelemetry();

const root = createRoot(document.getElementById('root')!);

function OtherTab() {
  return (
    <main className="center-screen">
      <div className="card">
        <h1>The till is open in another tab</h1>
        <p>
          This register is already in use in another tab or window of this browser. Use that one, or close it
          and reload this page. Two tabs could sell with the same receipt numbers.
        </p>
        <button type="button" className="primary" onClick={() => location.reload()}>
          Try again
        </button>
      </div>
    </main>
  );
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/till/sw.js', { scope: '/till/' }).catch((error: unknown) => {
    console.warn('service worker not registered', error);
  });
}

const LOCK = 'cloudpos-till-register';

/** Holds the register's lock for the life of the tab, or says it is held elsewhere. */
function holdRegisterLock(): Promise<boolean> {
  return new Promise((resolve) => {
    void navigator.locks.request(LOCK, { ifAvailable: true }, async (lock) => {
      resolve(lock !== null);
      // Held until the tab closes.
      if (lock) await new Promise<never>(() => {});
    });
  });
}

async function start(): Promise<void> {
  // On a reload the previous page may hold the lock for a moment longer: ask again briefly.
  for (let attempt = 0; attempt < 12; attempt += 1) {
    if (await holdRegisterLock()) {
      root.render(
        <StrictMode>
          <App />
        </StrictMode>,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  root.render(<OtherTab />);
}

void start();
