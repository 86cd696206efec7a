// "E-mail the receipt" under a sale: an address, a button, and a plain answer. Online only (see
// receipt-mail.ts): offline, or while the sale waits in the outbox, it says so and offers nothing
// that would pretend to send.
import { useState } from 'react';
import { ApiError, OfflineError } from '../api.ts';
import { describeError } from '../messages.ts';
import { emailReceipt } from '../receipt-mail.ts';
import type { TillContext } from './App.tsx';

const REFUSALS: Record<string, string> = {
  receipt_mail_rate_limited:
    'Too many receipt e-mails from this register just now. Print the receipt instead, or try again later.',
  receipt_mail_sale_limit: 'This receipt has been e-mailed as often as one receipt may be.',
  sale_has_no_receipt: 'Only a completed sale has a receipt to e-mail.',
};

export function EmailReceipt({ context, saleId }: { context: TillContext; saleId: string | undefined }) {
  const [to, setTo] = useState('');
  // One key per address: a retry of the same address is the same request.
  const [attempt, setAttempt] = useState<{ to: string; key: string }>();
  const [sentTo, setSentTo] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const online = context.syncState.online;

  async function send() {
    const address = to.trim();
    if (!address) return setError('Type the customer’s e-mail address.');
    if (!saleId) return;
    const current = attempt?.to === address ? attempt : { to: address, key: crypto.randomUUID() };
    setAttempt(current);
    setError(undefined);
    setBusy(true);
    try {
      const queued = await emailReceipt(context.db, context.session.staffId, {
        saleId,
        to: address,
        key: current.key,
      });
      setSentTo(queued.to);
      setTo('');
      setAttempt(undefined);
    } catch (caught) {
      if (caught instanceof OfflineError)
        setError(
          'The server cannot be reached: the e-mail was not sent. Print the receipt instead, or try again.',
        );
      else if (caught instanceof ApiError && caught.code === 'email_invalid')
        setError(
          `That address cannot be used: it ${caught.detail?.replace(/^the e-mail address /u, '') ?? 'is not valid'}.`,
        );
      else if (caught instanceof ApiError && REFUSALS[caught.code]) setError(REFUSALS[caught.code]);
      else setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  const unavailable = !online
    ? 'E-mail needs the network. Print the receipt instead; nothing is kept on this register.'
    : !saleId
      ? 'E-mail works once this sale has reached the server.'
      : undefined;

  return (
    <form
      className="email-receipt"
      aria-label="E-mail the receipt"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <div className="row wrap">
        <label className="grow">
          Customer’s e-mail
          <input
            type="email"
            inputMode="email"
            autoComplete="off"
            spellCheck={false}
            maxLength={254}
            value={to}
            disabled={Boolean(unavailable) || busy}
            onChange={(event) => setTo(event.target.value)}
          />
        </label>
        <button type="submit" className="secondary email-send" disabled={Boolean(unavailable) || busy}>
          {busy ? 'Sending…' : 'E-mail receipt'}
        </button>
      </div>
      {unavailable && (
        <p className="muted" data-testid="email-unavailable">
          {unavailable}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {sentTo && !error && (
        <p className="sent" role="status">
          Receipt e-mailed to {sentTo}.
        </p>
      )}
    </form>
  );
}
