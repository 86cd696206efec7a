// The store's parked sales (kept on the server, online only): resume one into the cart, or discard
// it (a manager, or a manager's approval for sale.void).
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api.ts';
import { formatMoney } from '../format.ts';
import { describeError } from '../messages.ts';
import { discardParked, listParked, loadParked, ParkRefused, type ParkedSummary } from '../parked.ts';
import type { TillContext } from './App.tsx';
import { ApprovalForm } from './ApprovalForm.tsx';
import { TopBar } from './TopBar.tsx';

export function ParkedScreen({ context }: { context: TillContext }) {
  const { db, register, session, catalog } = context;
  const money = (amount: number) => formatMoney(amount, register.tenant.currency);
  const [parked, setParked] = useState<ParkedSummary[]>();
  const [error, setError] = useState<string>();
  const [discarding, setDiscarding] = useState<ParkedSummary>();

  const reload = useCallback(async () => {
    try {
      setParked(await listParked(db, session.staffId, register.storeId));
    } catch (caught) {
      setError(`Parked sales are kept on the server and need the network. ${describeError(caught)}`);
    }
  }, [db, session.staffId, register.storeId]);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function resume(sale: ParkedSummary) {
    setError(undefined);
    try {
      const resumed = await loadParked(db, session.staffId, sale.id, catalog.items);
      context.show({ name: 'sell', resume: resumed });
    } catch (caught) {
      setError(caught instanceof ParkRefused ? caught.message : describeError(caught));
    }
  }

  async function discard(sale: ParkedSummary, approvalIds: string[] = []) {
    setError(undefined);
    try {
      await discardParked(db, session.staffId, sale.id, approvalIds);
      setDiscarding(undefined);
      await reload();
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'approval_required') setDiscarding(sale);
      else setError(describeError(caught));
    }
  }

  return (
    <div className="page-layout">
      <TopBar context={context} />
      <main className="sync-screen">
        <h1>Parked sales</h1>
        <p className="muted">
          Parked sales wait on the server, so any register of this store can finish them.
        </p>
        {parked === undefined && !error && <p>Loading…</p>}
        {parked?.length === 0 && <p className="muted">No sale is parked in this store.</p>}
        {parked && parked.length > 0 && (
          <ul className="parked-list">
            {parked.map((sale) => (
              <li key={sale.id}>
                <div className="grow">
                  <strong>{sale.note ?? 'No note'}</strong>
                  <span className="muted">
                    {' '}
                    · {money(sale.total)} · {new Date(sale.createdAt).toLocaleTimeString()}
                  </span>
                </div>
                <button type="button" className="primary" onClick={() => void resume(sale)}>
                  Resume
                </button>
                <button type="button" className="danger" onClick={() => void discard(sale)}>
                  Discard
                </button>
              </li>
            ))}
          </ul>
        )}
        {discarding && (
          <ApprovalForm
            context={context}
            actions={['sale.void']}
            reasons={[`Discard the parked sale “${discarding.note ?? money(discarding.total)}”`]}
            onApproved={(ids) => void discard(discarding, ids)}
            onCancel={() => setDiscarding(undefined)}
          />
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row wrap">
          <button type="button" className="secondary" onClick={() => context.show({ name: 'sell' })}>
            Back to selling
          </button>
        </div>
      </main>
    </div>
  );
}
