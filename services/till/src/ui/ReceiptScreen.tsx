// The receipt of the sale just made: the server's HTML receipt once the sale is on the server
// (printed through the browser's print dialog), else the till's own copy with the same number and
// the tenant's header and footer lines (synced with the settings, so offline too). Under it, the
// customer can have it e-mailed (online only).
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import type { LocalSale } from '../db.ts';
import { formatMoney } from '../format.ts';
import { accessTokenOf } from '../sessions.ts';
import type { TillContext } from './App.tsx';
import { EmailReceipt } from './EmailReceipt.tsx';
import { receiptBytes, ReceiptUnavailable } from '../escpos.ts';
import { describeError } from '../messages.ts';
import { PrinterError, printBytes, rememberedPrinter, type RememberedPrinter } from '../printer.ts';

export function ReceiptScreen({ context, saleKey }: { context: TillContext; saleKey: string }) {
  const { db, register, session } = context;
  const receiptLines = context.catalog.settings.receipt;
  const money = (amount: number) => formatMoney(amount, register.tenant.currency);
  const [sale, setSale] = useState<LocalSale>();
  const [html, setHtml] = useState<string>();
  const frame = useRef<HTMLIFrameElement>(null);
  const [printer, setPrinter] = useState<RememberedPrinter>();
  const [printed, setPrinted] = useState<string>();
  const [printError, setPrintError] = useState<string>();
  const [printing, setPrinting] = useState(false);

  useEffect(() => {
    void rememberedPrinter(db).then(setPrinter);
  }, [db]);

  /** The receipt's ESC/POS bytes to the register's printer (the server's, or the till's own offline). */
  async function printOnPrinter() {
    if (!sale) return;
    setPrintError(undefined);
    setPrinted(undefined);
    setPrinting(true);
    try {
      const place = { register, settings: context.catalog.settings, cashier: session.displayName };
      const { bytes } = await receiptBytes(db, session.staffId, sale, place);
      const used = await printBytes(db, bytes);
      setPrinted(`Printed on ${used.name}.`);
    } catch (caught) {
      setPrintError(
        caught instanceof PrinterError || caught instanceof ReceiptUnavailable
          ? caught.message
          : describeError(caught),
      );
    } finally {
      setPrinting(false);
    }
  }

  useEffect(() => {
    void (async () => {
      const local = await db.get('sales', saleKey);
      setSale(local);
      if (!local?.serverSaleId) return;
      const token = await accessTokenOf(db, session.staffId);
      setHtml(
        await api<string>(`/v1/sales/${local.serverSaleId}/receipt?format=html`, { token, as: 'text' }),
      );
    })().catch(() => setHtml(undefined));
  }, [db, saleKey, session.staffId, context.syncState.queued]);

  if (!sale) return <main className="center-screen">Loading the receipt…</main>;
  return (
    <main className="receipt-screen">
      <div className="card receipt-card">
        <h1>
          Sale complete · <span data-testid="receipt-number">{sale.receiptLabel}</span>
        </h1>
        <p className="change-due">
          Change <strong data-testid="receipt-change">{money(sale.display.change)}</strong>
        </p>
        <p className={sale.status === 'synced' ? 'muted' : 'notice'} data-testid="sale-status">
          {sale.status === 'synced'
            ? 'Saved on the server.'
            : sale.status === 'queued'
              ? 'Saved on this register. It goes to the server as soon as the network is back.'
              : 'The server refused this sale: see Sync.'}
        </p>
        {html ? (
          <iframe ref={frame} className="receipt-frame" title="Receipt" srcDoc={html} />
        ) : (
          <section className="local-receipt" aria-label="Receipt">
            <ReceiptLines lines={receiptLines?.header} testId="receipt-header" />
            <p>
              {register.storeName} · {sale.receiptLabel}
            </p>
            <table>
              <tbody>
                {sale.display.lines.map((line, index) => (
                  <tr key={index}>
                    <td>
                      {line.quantity} × {line.name}
                    </td>
                    <td className="amount">{money(line.total)}</td>
                  </tr>
                ))}
                <tr className="grand">
                  <td>Total</td>
                  <td className="amount" data-testid="receipt-total">
                    {money(sale.display.total)}
                  </td>
                </tr>
                {(sale.display.payments ?? []).map((payment, index) => (
                  <tr key={`payment-${index}`}>
                    <td>{payment.label}</td>
                    <td className="amount">{money(payment.amount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ReceiptLines lines={receiptLines?.footer} testId="receipt-footer" />
          </section>
        )}
        <EmailReceipt context={context} saleId={sale.serverSaleId} />
        {printError && (
          <p className="error" role="alert">
            {printError}
          </p>
        )}
        {printed && !printError && (
          <p className="sent" role="status" data-testid="printer-result">
            {printed}
          </p>
        )}
        <div className="row">
          <button
            type="button"
            className="secondary"
            onClick={() => (frame.current?.contentWindow ?? window).print()}
          >
            Print receipt
          </button>
          {printer && (
            <button
              type="button"
              className="secondary"
              disabled={printing}
              onClick={() => void printOnPrinter()}
            >
              {printing ? 'Printing…' : 'Receipt printer'}
            </button>
          )}
          <button
            type="button"
            className="primary grow"
            autoFocus
            onClick={() => context.show({ name: 'sell' })}
          >
            New sale
          </button>
        </div>
      </div>
    </main>
  );
}

/** The tenant's own lines (plain text; React escapes them). */
function ReceiptLines({ lines, testId }: { lines: string[] | undefined; testId: string }) {
  if (!lines?.length) return null;
  return (
    <div className="receipt-lines" data-testid={testId}>
      {lines.map((line, index) => (
        <p key={index}>{line}</p>
      ))}
    </div>
  );
}
