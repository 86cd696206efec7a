// What is waiting for the server: the queued sales, the oldest, the last error, and the sales the
// server refused ("needs attention", kept with the reason). Sign-out and unpairing wait for them.
import { useState } from 'react';
import { api } from '../api.ts';
import { formatMoney } from '../format.ts';
import { describeError } from '../messages.ts';
import { PairingRefused, unpairRegister } from '../register.ts';
import type { TillContext } from './App.tsx';
import { PrinterSettings } from './PrinterSettings.tsx';
import { TopBar } from './TopBar.tsx';

export function SyncScreen({ context }: { context: TillContext }) {
  const { syncState, session, db } = context;
  const [message, setMessage] = useState<string>();
  const money = (amount: number) => formatMoney(amount, context.register.tenant.currency);
  const time = (iso: string) => new Date(iso).toLocaleString();

  async function signOut() {
    const mine = (await db.getAll('outbox')).filter((entry) => entry.staffId === session.staffId).length;
    if (mine > 0) {
      setMessage(
        `You have ${mine} sale(s) that are not on the server yet. Sign-out waits until they are synced.`,
      );
      return;
    }
    await api('/v1/auth/sign-out', { method: 'POST', body: { refreshToken: session.refreshToken } }).catch(
      () => undefined,
    );
    await db.delete('sessions', session.staffId);
    context.signOut('Signed out.');
  }

  async function unpair() {
    if (session.role === 'cashier') {
      setMessage('Only an owner or a manager can unpair this register.');
      return;
    }
    try {
      await unpairRegister(db);
      context.unpaired();
    } catch (caught) {
      setMessage(caught instanceof PairingRefused ? caught.message : describeError(caught));
    }
  }

  return (
    <div className="page-layout">
      <TopBar context={context} />
      <main className="sync-screen">
        <h1>Sync</h1>
        <dl className="facts">
          <dt>Network</dt>
          <dd data-testid="sync-online">{syncState.online ? 'Online' : 'Offline'}</dd>
          <dt>Sales waiting for the server</dt>
          <dd data-testid="sync-queued">{syncState.queued}</dd>
          <dt>Oldest waiting since</dt>
          <dd>{syncState.oldest ? time(syncState.oldest) : '—'}</dd>
          <dt>Last error</dt>
          <dd>{syncState.lastError ?? '—'}</dd>
          <dt>Last synced</dt>
          <dd>{syncState.lastSyncedAt ? time(syncState.lastSyncedAt) : '—'}</dd>
        </dl>
        <h2>Needs attention ({syncState.attention.length})</h2>
        {syncState.attention.length === 0 ? (
          <p className="muted">The server has taken every sale it was sent.</p>
        ) : (
          <ul className="attention">
            {syncState.attention.map((entry) => (
              <li key={entry.key}>
                Receipt {entry.receiptNumber} ({time(entry.at)}):{' '}
                {money(entry.entry.body.tenders.reduce((sum, tender) => sum + tender.amount, 0))} —{' '}
                {entry.reason}
              </li>
            ))}
          </ul>
        )}
        <PrinterSettings context={context} />
        {message && (
          <p className="error" role="alert">
            {message}
          </p>
        )}
        <div className="row wrap">
          <button type="button" className="primary" onClick={() => void context.sync.kick()}>
            Sync now
          </button>
          <button type="button" className="secondary" onClick={() => context.show({ name: 'sell' })}>
            Back to selling
          </button>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
          <button type="button" className="danger" onClick={() => void unpair()}>
            Unpair register
          </button>
        </div>
      </main>
    </div>
  );
}
