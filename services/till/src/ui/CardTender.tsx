// "Card" on the tender screen: the amount (the rest by default) goes to a card reader through the
// tenant's payment provider; the till waits while the customer taps, inserts or swipes, then adds
// the card payment to the sale, or says plainly why the card did not pay. Under npm start the
// reader is the provider's simulation, and a clearly labelled panel plays the customer's test cards.
import { useEffect, useState } from 'react';
import { ApiError, OfflineError } from '../api.ts';
import {
  cancelCardPayment,
  cardPaymentNow,
  cardReaders,
  declineMessage,
  NEEDS_NETWORK,
  presentTestCard,
  startCardPayment,
  TEST_CARDS,
  type CardReader,
  type CardReaders,
} from '../card-payments.ts';
import { moneyInputText, parseMoney } from '../cart.ts';
import { formatMoney } from '../format.ts';
import { describeError } from '../messages.ts';
import { accessTokenOf } from '../sessions.ts';
import { externalRefusal, type ExternalPayment } from '../tenders.ts';
import type { TillContext } from './App.tsx';

const POLL_MS = 700;

type Step =
  | { kind: 'idle' }
  | { kind: 'form' }
  | { kind: 'starting' }
  | { kind: 'waiting'; paymentId: string; providerRef: string; reader: CardReader; amount: number };

export function CardTender({
  context,
  saleKey,
  left,
  onPaid,
  onWaiting,
}: {
  context: TillContext;
  /** The Idempotency-Key the sale will be committed with: it names the sale at the provider. */
  saleKey: string;
  left: number;
  onPaid: (payment: ExternalPayment) => void;
  /** A card is on its way: the rest of the tender screen waits. */
  onWaiting: (waiting: boolean) => void;
}) {
  const { db, session, register } = context;
  const currency = register.tenant.currency;
  const money = (minor: number) => formatMoney(minor, currency);
  const [readers, setReaders] = useState<CardReaders>();
  const [readerId, setReaderId] = useState<string>();
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string>();
  const token = () => accessTokenOf(db, session.staffId);

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const known = await cardReaders(db, await token());
        if (live) setReaders(known);
      } catch {
        // A till that cannot learn about cards still takes cash and other payments.
      }
    })();
    return () => {
      live = false;
    };
  }, []);

  const waiting = step.kind === 'waiting' || step.kind === 'starting';
  useEffect(() => {
    onWaiting(waiting);
    // A card that pays the rest unmounts this form in the same render: it waits no more.
    return () => onWaiting(false);
  }, [waiting, onWaiting]);

  // While the reader waits for the card, read the payment back until it has an outcome.
  useEffect(() => {
    if (step.kind !== 'waiting') return;
    let live = true;
    const timer = setInterval(() => {
      void (async () => {
        try {
          const payment = await cardPaymentNow(await token(), step.providerRef);
          if (!live) return;
          if (payment.status === 'succeeded') {
            live = false;
            setStep({ kind: 'idle' });
            onPaid({
              label: `Card · ${step.reader.label}`,
              amount: step.amount,
              providerRef: step.providerRef,
            });
          } else if (payment.status === 'failed' || payment.status === 'canceled') {
            live = false;
            setError(
              payment.status === 'failed'
                ? declineMessage(payment.failure)
                : 'The card payment was canceled.',
            );
            setStep({ kind: 'idle' });
            // The declined attempt is closed; another card starts a new one.
            if (payment.status === 'failed') await cancel(step, false);
          }
        } catch (caught) {
          // No answer: keep waiting (the reader may still be reading); other problems are shown.
          if (live && !(caught instanceof OfflineError)) setError(describeError(caught));
        }
      })();
    }, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // Restarts only with a new attempt.
  }, [step]);

  if (!readers?.available) return null;
  const errorLine = error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
  const online = readers.readers.filter((reader) => reader.status === 'online');
  const chosen = online.find((reader) => reader.id === readerId) ?? online[0];

  async function charge() {
    const minor = parseMoney(amount, currency);
    const refusal = externalRefusal(minor, left, money);
    if (refusal) return setError(refusal);
    if (!chosen) return setError('No card reader is online. Check the reader, or take another payment.');
    setError(undefined);
    setStep({ kind: 'starting' });
    const paymentId = crypto.randomUUID();
    try {
      const started = await startCardPayment(await token(), {
        saleKey,
        paymentId,
        amount: minor!,
        readerId: chosen.id,
      });
      setStep({
        kind: 'waiting',
        paymentId,
        providerRef: started.providerRef,
        reader: chosen,
        amount: minor!,
      });
    } catch (caught) {
      setError(caught instanceof OfflineError ? NEEDS_NETWORK : describeError(caught));
      setStep({ kind: 'form' });
    }
  }

  async function cancel(attempt: Extract<Step, { kind: 'waiting' }>, byCashier = true) {
    try {
      await cancelCardPayment(await token(), attempt.providerRef, {
        paymentId: attempt.paymentId,
        readerId: attempt.reader.id,
      });
      if (byCashier) setStep({ kind: 'idle' });
    } catch (caught) {
      // Paid just now: the card payment stands, the poll adds it. Declined attempts need no more.
      if (!byCashier) return;
      if (caught instanceof ApiError && caught.code === 'payment_rejected') {
        setError('The card was read before the payment could be canceled: it is paid.');
      } else {
        setError(caught instanceof OfflineError ? NEEDS_NETWORK : describeError(caught));
      }
    }
  }

  async function tap(number: string) {
    if (step.kind !== 'waiting') return;
    try {
      await presentTestCard(await token(), step.reader.id, number);
    } catch (caught) {
      setError(describeError(caught));
    }
  }

  if (step.kind === 'idle')
    return (
      <>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setError(undefined);
            if (!navigator.onLine) return setError(NEEDS_NETWORK);
            setAmount(moneyInputText(left, currency));
            setStep({ kind: 'form' });
          }}
        >
          Card
        </button>
        {errorLine}
      </>
    );

  if (step.kind === 'waiting')
    return (
      <section className="card-tender" aria-label="Card payment">
        <p className="notice" aria-live="polite">
          Waiting for the card on <strong>{step.reader.label}</strong>: the customer taps, inserts or swipes
          their card to pay <strong>{money(step.amount)}</strong>.
        </p>
        {/* Test cards only where the API simulates readers (npm start); elsewhere a person taps. */}
        {readers.simulated && step.reader.simulated && (
          <SimulatedReader onTap={(number) => void tap(number)} />
        )}
        {errorLine}
        <button type="button" className="secondary" onClick={() => void cancel(step)}>
          Cancel card payment
        </button>
      </section>
    );

  return (
    <fieldset className="card-tender">
      <legend>Card</legend>
      {online.length > 1 && (
        <div className="row wrap" role="group" aria-label="Card reader">
          {online.map((reader) => (
            <button
              key={reader.id}
              type="button"
              className={reader.id === chosen?.id ? 'tab selected' : 'tab'}
              aria-pressed={reader.id === chosen?.id}
              onClick={() => setReaderId(reader.id)}
            >
              {reader.label}
            </button>
          ))}
        </div>
      )}
      <label>
        Card amount
        <input inputMode="decimal" value={amount} onChange={(event) => setAmount(event.target.value)} />
      </label>
      {errorLine}
      <div className="row">
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setError(undefined);
            setStep({ kind: 'idle' });
          }}
        >
          Cancel
        </button>
        <button
          type="button"
          className="primary grow"
          disabled={step.kind === 'starting'}
          onClick={() => void charge()}
        >
          {step.kind === 'starting'
            ? 'Sending to the reader…'
            : chosen
              ? `Charge on ${chosen.label}`
              : 'No card reader online'}
        </button>
      </div>
    </fieldset>
  );
}

/** npm start's reader has no card slot: the customer's test cards are buttons here, labelled as such. */
function SimulatedReader({ onTap }: { onTap: (number: string) => void }) {
  return (
    <section className="simulated-reader" aria-labelledby="simulated-reader-title">
      <h2 id="simulated-reader-title">Simulated card reader — no real money</h2>
      <p>
        This reader is a simulation of the payment provider’s test mode. Tap a test card for the customer:
      </p>
      <div className="row wrap" role="group" aria-label="Test cards">
        {TEST_CARDS.map((card) => (
          <button key={card.number} type="button" className="secondary" onClick={() => onTap(card.number)}>
            {card.name} ({card.outcome})
          </button>
        ))}
      </div>
    </section>
  );
}
