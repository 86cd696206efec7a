// Taking payment: cards on the tenant's reader (CardTender.tsx; online only) and external tenders
// (a card on a terminal the till does not drive, a voucher, …) for exact amounts, then cash for the
// rest (typed or a quick-cash button) with change; a manager's approval when the server's preview
// asks for one; then the sale goes to the outbox and the server (right away when online). Offline,
// cash and external tenders both work.
import type { PricedDocument } from '@cloudpos/pricing';
import { useCallback, useState } from 'react';
import {
  cashDue,
  cashPayable,
  EXTERNAL_KINDS,
  externalLabel,
  externalRefusal,
  tendersOf,
  type ExternalPayment,
} from '../tenders.ts';
import { api, OfflineError } from '../api.ts';
import {
  checkoutLines,
  moneyInputText,
  parseMoney,
  quickCashAmounts,
  type CartLine,
  type OrderDiscount,
} from '../cart.ts';
import { formatMoney, receiptLabel } from '../format.ts';
import { receiptFigures } from '../escpos.ts';
import { describeError } from '../messages.ts';
import { loadSettings } from '../catalog-sync.ts';
import { offlineRefusal, type Queue } from '../offline-limits.ts';
import { recordSale } from '../outbox.ts';
import type { ResumedSale } from '../parked.ts';
import { accessTokenOf } from '../sessions.ts';
import type { TillDb } from '../db.ts';
import type { TillContext } from './App.tsx';
import { ApprovalForm } from './ApprovalForm.tsx';
import { CardTender } from './CardTender.tsx';

interface Preview {
  total: number;
  requiredApprovals: { action: string; reason: string }[];
}

const WAIT_FOR_SERVER_MS = 5_000;

/** The sales waiting for the server: how many, how much, since when. */
async function queueOf(db: TillDb): Promise<Queue> {
  const entries = await db.getAll('outbox');
  return {
    count: entries.length,
    amount: entries.reduce((sum, entry) => sum + entry.body.tenders.reduce((s, t) => s + t.amount, 0), 0),
    ...(entries[0] ? { oldest: entries[0].createdAt } : {}),
  };
}

export function TenderPanel({
  context,
  lines,
  priced,
  orderDiscount,
  resumed,
  onCancel,
  onDone,
}: {
  context: TillContext;
  lines: CartLine[];
  priced: PricedDocument;
  orderDiscount: OrderDiscount | undefined;
  /** The parked sale this payment completes, if it was resumed. */
  resumed: ResumedSale | undefined;
  onCancel: () => void;
  onDone: (saleKey: string) => void;
}) {
  const { db, register, session } = context;
  const currency = register.tenant.currency;
  const money = (amount: number) => formatMoney(amount, currency);
  const total = priced.totals.total;
  const [typed, setTyped] = useState('');
  const [externals, setExternals] = useState<ExternalPayment[]>([]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [approval, setApproval] = useState<{ actions: string[]; reasons: string[] }>();
  // The sale's Idempotency-Key from the start: a card payment is started for it before it exists.
  const [saleKey] = useState(() => crypto.randomUUID());
  const [cardWaiting, setCardWaiting] = useState(false);
  const onCardWaiting = useCallback((waiting: boolean) => setCardWaiting(waiting), []);
  const cardPaid = externals.some((payment) => payment.providerRef);
  const left = cashDue(total, externals);
  // Cash pays what is left rounded to the tenant's increment, as the server settles it.
  const { pricing } = context.catalog.settings;
  const cashRounding = { increment: pricing.cashIncrement ?? 1, mode: pricing.mode };
  const cashLeft = cashPayable(left, cashRounding);
  const tendered = parseMoney(typed, currency);
  const change = left === 0 ? 0 : tendered === undefined ? undefined : tendered - cashLeft;

  /** The server's preview when it can be reached: approvals needed, and its total as a check. */
  async function preview(): Promise<Preview | undefined> {
    try {
      const token = await accessTokenOf(db, session.staffId);
      return await api<Preview>('/v1/sales/calculate', {
        method: 'POST',
        token,
        body: { lines: checkoutLines(lines), ...(orderDiscount ? { discount: orderDiscount } : {}) },
      });
    } catch (caught) {
      if (caught instanceof OfflineError) return undefined;
      throw caught;
    }
  }

  async function complete(approvalIds: string[] = []) {
    if (cardWaiting) return;
    const payment = tendersOf(total, externals, tendered, cashRounding);
    if ('missing' in payment) {
      setError(`The customer must hand over at least ${money(cashLeft)} in cash.`);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      if (approvalIds.length === 0) {
        const server = await preview();
        if (!server && session.role === 'cashier' && lines.some((line) => line.priceOverride !== undefined)) {
          setError(
            'A changed price needs a manager’s approval, which needs the network. ' +
              'Use the catalog price, or wait until the register is back online.',
          );
          return;
        }
        if (!server) {
          const { offline } = await loadSettings(db, currency);
          // A card already paid online is not an offline tender: its money has moved.
          const tenders = [
            ...(externals.some((payment) => !payment.providerRef) ? ['external' as const] : []),
            ...(left > 0 ? ['cash' as const] : []),
          ];
          const refusal = offlineRefusal(
            { total, currency, tenders },
            await queueOf(db),
            new Date(),
            money,
            offline,
          );
          if (refusal) {
            setError(refusal);
            return;
          }
        }
        if (server && server.total !== total) {
          setError(
            `The server prices this sale at ${money(server.total)}, the till at ${money(total)}. ` +
              'The catalog may have changed: sign in again to refresh it.',
          );
          return;
        }
        if (server && server.requiredApprovals.length > 0 && session.role === 'cashier') {
          setApproval({
            actions: server.requiredApprovals.map((required) => required.action),
            reasons: server.requiredApprovals.map((required) => required.reason),
          });
          return;
        }
      }
      const sale = await recordSale(db, {
        key: saleKey,
        staffId: session.staffId,
        lines: checkoutLines(lines),
        ...(orderDiscount ? { discount: orderDiscount } : {}),
        tenders: payment.tenders,
        approvalIds,
        ...(resumed ? { resumed: { saleId: resumed.saleId, note: resumed.note } } : {}),
        display: {
          lines: lines.map((line, index) => ({
            name: line.item.name,
            quantity: String(line.quantity),
            total: priced.lines[index]!.total,
          })),
          total,
          change: payment.change,
          payments: payment.tenders.map((tender) => ({
            label: tender.method === 'cash' ? 'Cash' : tender.method === 'card' ? 'Card' : tender.label,
            amount: tender.amount,
          })),
          receipt: receiptFigures(
            priced,
            lines.map((line) => line.item),
            context.catalog.taxRates,
          ),
        },
        label: (number) => receiptLabel(register.storeCode, register.code, number),
      });
      await Promise.race([
        context.sync.kick(),
        new Promise((resolve) => setTimeout(resolve, WAIT_FOR_SERVER_MS)),
      ]);
      onDone(sale.key);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="tender-screen">
      <div className="card tender">
        <h1>Payment</h1>
        <p className="due">
          To pay <strong data-testid="amount-due">{money(total)}</strong>
        </p>
        {left > 0 && cashLeft !== left && (
          <p className="muted" data-testid="cash-rounding">
            In cash {money(cashLeft)} (rounded to {money(cashRounding.increment)})
          </p>
        )}
        {externals.length > 0 && (
          <ul className="payments" aria-label="Paid so far">
            {externals.map((payment, index) => (
              <li key={`${payment.label}-${index}`}>
                <span className="grow">{payment.label}</span>
                <strong>{money(payment.amount)}</strong>
                {/* A card that paid cannot be taken off: its money has moved. */}
                {!payment.providerRef && (
                  <button
                    type="button"
                    className="secondary"
                    aria-label={`Remove ${payment.label}`}
                    onClick={() => setExternals((current) => current.filter((_, i) => i !== index))}
                  >
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        {left > 0 && (
          <CardTender
            context={context}
            saleKey={saleKey}
            left={left}
            onWaiting={onCardWaiting}
            onPaid={(payment) => {
              setExternals((current) => [...current, payment]);
              setTyped('');
            }}
          />
        )}
        {left > 0 && !cardWaiting && (
          <ExternalTenderForm
            currency={currency}
            left={left}
            onAdd={(payment) => {
              setExternals((current) => [...current, payment]);
              setTyped('');
            }}
          />
        )}
        {cardWaiting ? null : left > 0 ? (
          <>
            <label>
              Cash received{externals.length > 0 ? ` for the ${money(cashLeft)} left` : ''}
              <input
                className="money-input"
                inputMode="decimal"
                autoFocus
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') void complete();
                }}
              />
            </label>
            <div className="row wrap" role="group" aria-label="Quick cash">
              {quickCashAmounts(cashLeft, currency).map((amount) => (
                <button
                  key={amount}
                  type="button"
                  className="secondary quick-cash"
                  onClick={() => setTyped(moneyInputText(amount, currency))}
                >
                  {money(amount)}
                </button>
              ))}
            </div>
          </>
        ) : (
          <p className="notice">Paid in full: no cash is needed.</p>
        )}
        <p className="change" aria-live="polite">
          {change === undefined ? (
            typed ? (
              'That is not an amount.'
            ) : (
              ' '
            )
          ) : change < 0 ? (
            `${money(-change)} still to pay`
          ) : (
            <>
              Change <strong data-testid="change">{money(change)}</strong>
            </>
          )}
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {approval ? (
          <ApprovalForm
            context={context}
            actions={approval.actions}
            reasons={approval.reasons}
            onApproved={(ids) => {
              setApproval(undefined);
              void complete(ids);
            }}
            onCancel={() => setApproval(undefined)}
          />
        ) : (
          <div className="row">
            <button
              type="button"
              className="secondary"
              disabled={cardWaiting}
              onClick={() =>
                cardPaid
                  ? setError(
                      'A card has paid part of this sale: complete it. To give the money back, return the sale afterwards.',
                    )
                  : onCancel()
              }
            >
              Back
            </button>
            <button
              type="button"
              className="primary grow"
              disabled={busy || cardWaiting || change === undefined || change < 0}
              onClick={() => void complete()}
            >
              {busy ? 'Completing…' : 'Complete sale'}
            </button>
          </div>
        )}
      </div>
    </main>
  );
}

/** Adds a tender the till does not process itself: its kind, amount (the rest by default) and reference. */
function ExternalTenderForm({
  currency,
  left,
  onAdd,
}: {
  currency: string;
  left: number;
  onAdd: (payment: ExternalPayment) => void;
}) {
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<string>(EXTERNAL_KINDS[0]);
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [error, setError] = useState<string>();
  const money = (minor: number) => formatMoney(minor, currency);
  if (!open)
    return (
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setOpen(true);
          setAmount(moneyInputText(left, currency));
        }}
      >
        Other payment (card terminal, voucher…)
      </button>
    );
  function add() {
    const minor = parseMoney(amount, currency);
    const refusal = externalRefusal(minor, left, money);
    if (refusal) return setError(refusal);
    onAdd({ label: externalLabel(kind, reference), amount: minor! });
    setOpen(false);
    setKind(EXTERNAL_KINDS[0]);
    setReference('');
    setError(undefined);
  }
  return (
    <fieldset className="external-tender">
      <legend>Other payment</legend>
      <div className="row wrap" role="group" aria-label="Kind of payment">
        {EXTERNAL_KINDS.map((name) => (
          <button
            key={name}
            type="button"
            className={kind === name ? 'tab selected' : 'tab'}
            aria-pressed={kind === name}
            onClick={() => setKind(name)}
          >
            {name}
          </button>
        ))}
      </div>
      <div className="row wrap">
        <label className="grow">
          Amount
          <input inputMode="decimal" value={amount} onChange={(event) => setAmount(event.target.value)} />
        </label>
        <label className="grow">
          Reference (optional)
          <input
            value={reference}
            maxLength={60}
            autoComplete="off"
            onChange={(event) => setReference(event.target.value)}
          />
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="button" className="primary grow" onClick={add}>
          Add {kind.toLowerCase()}
        </button>
      </div>
    </fieldset>
  );
}
