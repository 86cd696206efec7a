import type { TillContext } from './App.tsx';

/** Who and where, the sync state at a glance, and the quick cashier switch. */
export function TopBar({ context }: { context: TillContext }) {
  const { register, session, syncState } = context;
  const pending = syncState.queued + syncState.attention.length;
  const status = !syncState.online
    ? `Offline · ${syncState.queued} to sync`
    : syncState.attention.length > 0
      ? `${syncState.attention.length} need attention`
      : syncState.queued > 0
        ? `${syncState.queued} to sync`
        : 'All synced';
  return (
    <header className="top-bar">
      <div className="where">
        <strong>{register.storeName}</strong>
        <span className="muted">
          {register.code} · {session.displayName}
        </span>
      </div>
      <nav className="row">
        <button
          type="button"
          className={`status ${!syncState.online ? 'offline' : pending > 0 ? 'pending' : 'ok'}`}
          onClick={() => context.show({ name: 'sync' })}
        >
          {status}
        </button>
        <button type="button" className="secondary" onClick={() => context.signOut()}>
          Switch cashier
        </button>
      </nav>
    </header>
  );
}
