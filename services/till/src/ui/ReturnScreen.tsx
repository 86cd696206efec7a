// A return: scan or type the receipt number, choose how many of each line come back, refund in
// cash; a cashier gets the manager approval pad when the API asks for it. Online only.
import { useState } from 'react';
import { ApiError } from '../api.ts';
import { formatMoney } from '../format.ts';
import { describeError } from '../messages.ts';
import {
  findSale,
  refundInCash,
  returnable,
  ReturnRefused,
  type ReturnAnswer,
  type SoldSale,
} from '../returns.ts';
import type { TillContext } from './App.tsx';
import { ApprovalForm } from './ApprovalForm.tsx';
import { EmailReceipt } from './EmailReceipt.tsx';
import { TopBar } from './TopBar.tsx';

export function ReturnScreen({ context }: { context: TillContext }) {
  const { db, session, register } = context;
  const money = (amount: number) => formatMoney(amount, register.tenant.currency);
  const [receipt, setReceipt] = useState('');
  const [sale, setSale] = useState<SoldSale>();
  const [quantities, setQuantities] = useState<Record<string, number>>({});
  const [restock, setRestock] = useState(true);
  const [reason, setReason] = useState('');
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [needsApproval, setNeedsApproval] = useState(false);
  const [done, setDone] = useState<ReturnAnswer>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const explain = (caught: unknown) =>
    setError(caught instanceof ReturnRefused ? caught.message : describeError(caught));

  async function find() {
    if (!receipt.trim()) return setError('Scan the barcode on the receipt, or type its number.');
    setError(undefined);
    setBusy(true);
    try {
      const found = await findSale(db, session.staffId, receipt);
      setSale(found);
      setQuantities({});
      setKey(crypto.randomUUID());
    } catch (caught) {
      setSale(undefined);
      explain(caught);
    } finally {
      setBusy(false);
    }
  }

  const chosen = sale ? sale.lines.filter((line) => (quantities[line.id] ?? 0) > 0) : [];

  async function refund(approvalIds: string[] = []) {
    if (!sale || chosen.length === 0) return setError('Choose what the customer brings back.');
    setError(undefined);
    setBusy(true);
    try {
      const answer = await refundInCash(db, session.staffId, {
        saleId: sale.id,
        lines: chosen.map((line) => ({ lineId: line.id, quantity: String(quantities[line.id]) })),
        restock,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        key,
        approvalIds,
      });
      setNeedsApproval(false);
      setDone(answer);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === 'approval_required') setNeedsApproval(true);
      else explain(caught);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    const cash = -done.payments
      .filter((payment) => payment.method === 'cash')
      .reduce((s, p) => s + p.amount, 0);
    return (
      <div className="page-layout">
        <TopBar context={context} />
        <main className="sync-screen">
          <h1>
            Return complete · <span data-testid="return-number">{done.receiptNumber}</span>
          </h1>
          <p className="change-due">
            Give back <strong data-testid="refund-cash">{money(cash)}</strong> in cash
          </p>
          <button type="button" className="primary" autoFocus onClick={() => context.show({ name: 'sell' })}>
            Back to selling
          </button>
        </main>
      </div>
    );
  }

  return (
    <div className="page-layout">
      <TopBar context={context} />
      <main className="sync-screen return-screen">
        <h1>Return</h1>
        <form
          className="row wrap"
          onSubmit={(event) => {
            event.preventDefault();
            void find();
          }}
        >
          <label className="grow">
            Receipt number
            <input
              value={receipt}
              autoFocus
              autoComplete="off"
              spellCheck={false}
              placeholder="Scan the receipt’s barcode"
              onChange={(event) => setReceipt(event.target.value)}
            />
          </label>
          <button type="submit" className="secondary find-sale" disabled={busy}>
            Find sale
          </button>
        </form>
        {sale && (
          <section aria-label={`Sale ${sale.receiptNumber ?? ''}`}>
            <h2>
              Sale {sale.receiptNumber} · {money(sale.total)}
            </h2>
            <ul className="return-lines">
              {sale.lines.map((line) => {
                const max = returnable(line);
                const count = quantities[line.id] ?? 0;
                const set = (value: number) =>
                  setQuantities((current) => ({ ...current, [line.id]: Math.min(max, Math.max(0, value)) }));
                return (
                  <li key={line.id}>
                    <div className="grow">
                      <strong>{line.name}</strong>
                      <span className="muted">
                        {' '}
                        · sold {line.quantity} for {money(line.total)}
                        {Number(line.refundedQuantity) > 0
                          ? ` · ${line.refundedQuantity} returned before`
                          : ''}
                      </span>
                    </div>
                    <button
                      type="button"
                      className="small-square"
                      aria-label={`One less ${line.name} back`}
                      disabled={count === 0}
                      onClick={() => set(count - 1)}
                    >
                      −
                    </button>
                    <span className="quantity" aria-label={`${line.name} coming back`}>
                      {count}
                    </span>
                    <button
                      type="button"
                      className="small-square"
                      aria-label={`One more ${line.name} back`}
                      disabled={count >= max}
                      onClick={() => set(count + 1)}
                    >
                      +
                    </button>
                  </li>
                );
              })}
            </ul>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={restock}
                onChange={(event) => setRestock(event.target.checked)}
              />
              Put the items back in stock
            </label>
            <label>
              Reason (optional)
              <input value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
            </label>
            <p className="muted">
              The refund is paid in cash; the server works out the amount from what was sold.
            </p>
          </section>
        )}
        {/* A found sale's receipt can be sent again, say to a customer who lost the paper one. */}
        {sale && <EmailReceipt key={sale.id} context={context} saleId={sale.id} />}
        {needsApproval && (
          <ApprovalForm
            context={context}
            actions={['sale.refund']}
            reasons={['A refund needs a manager’s approval']}
            onApproved={(ids) => void refund(ids)}
            onCancel={() => setNeedsApproval(false)}
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
          {sale && !needsApproval && (
            <button
              type="button"
              className="primary grow"
              disabled={busy || chosen.length === 0}
              onClick={() => void refund()}
            >
              {busy ? 'Refunding…' : 'Refund in cash'}
            </button>
          )}
        </div>
      </main>
    </div>
  );
}
