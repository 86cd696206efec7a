// The register's receipt printer, under Sync: connect one over Web Serial or WebUSB (the browser
// shows its own chooser), see which one is remembered, forget it. Browsers without either API are
// told so, and keep printing through the print dialog.
import { useEffect, useState } from 'react';
import {
  browserPrinterApis,
  connectPrinter,
  forgetPrinter,
  PrinterError,
  rememberedPrinter,
  type PrinterKind,
  type RememberedPrinter,
} from '../printer.ts';
import type { TillContext } from './App.tsx';

export function PrinterSettings({ context }: { context: TillContext }) {
  const { db } = context;
  const apis = browserPrinterApis();
  const [printer, setPrinter] = useState<RememberedPrinter>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void rememberedPrinter(db).then(setPrinter);
  }, [db]);

  async function connect(kind: PrinterKind) {
    setError(undefined);
    setBusy(true);
    try {
      setPrinter(await connectPrinter(db, kind, apis));
    } catch (caught) {
      setError(caught instanceof PrinterError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="printer-settings" aria-labelledby="printer-heading">
      <h2 id="printer-heading">Receipt printer</h2>
      <p data-testid="printer-status">
        {printer
          ? `Connected: ${printer.name}${printer.kind === 'usb' ? ' (USB)' : ''}.`
          : 'No receipt printer connected.'}
      </p>
      {!apis.serial && !apis.usb && (
        <p className="muted" data-testid="printer-unsupported">
          This browser cannot talk to receipt printers directly (no Web Serial or WebUSB). Receipts print
          through the browser’s print dialog; a Chromium-based browser can also print on a serial or USB
          receipt printer.
        </p>
      )}
      {busy && (
        <p className="muted" role="status" data-testid="printer-waiting">
          Choose the printer in the browser’s list (plug it in first).
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row wrap">
        {apis.serial && (
          <button type="button" className="secondary" disabled={busy} onClick={() => void connect('serial')}>
            Connect serial printer
          </button>
        )}
        {apis.usb && (
          <button type="button" className="secondary" disabled={busy} onClick={() => void connect('usb')}>
            Connect USB printer
          </button>
        )}
        {printer && (
          <button
            type="button"
            className="secondary"
            onClick={() => void forgetPrinter(db).then(() => setPrinter(undefined))}
          >
            Forget printer
          </button>
        )}
      </div>
    </section>
  );
}
