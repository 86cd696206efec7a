// Ringing up a sale: product grid by category, search as you type, barcode scans from a keyboard
// wedge or the camera, quantities and line discounts, totals from @cloudpos/pricing; park it with a note (online)
// or resume a parked one; then the tender panel.
import { useEffect, useMemo, useRef, useState } from 'react';
import {
  addItem,
  moneyInputText,
  parseMoney,
  priceCart,
  type CartLine,
  type OrderDiscount,
} from '../cart.ts';
import { categoryTabs } from '../categories.ts';
import { searchIndex, searchItems } from '../search.ts';
import type { CatalogItem } from '../db.ts';
import { formatMoney } from '../format.ts';
import { describeError } from '../messages.ts';
import { holdSale, takeHeldSale } from '../held-sale.ts';
import { parkSale, type ResumedSale } from '../parked.ts';
import { wedgeDetector } from '../scanner.ts';
import type { TillContext } from './App.tsx';
import { CameraScanner } from './CameraScanner.tsx';
import { TenderPanel } from './TenderPanel.tsx';
import { TopBar } from './TopBar.tsx';

const ALL = 'all';
const DISCOUNTS = ['5', '10', '20', '50'];
const GRID_LIMIT = 60;

export function SellScreen({ context, resume }: { context: TillContext; resume?: ResumedSale | undefined }) {
  const { catalog, register } = context;
  const currency = register.tenant.currency;
  const money = (amount: number) => formatMoney(amount, currency);
  const [lines, setLines] = useState<CartLine[]>(resume?.lines ?? []);
  /** The parked sale in the cart, if one was resumed: completing or parking it replaces it. */
  const [resumed, setResumed] = useState(resume);
  const [orderDiscount, setOrderDiscount] = useState<OrderDiscount | undefined>(resume?.orderDiscount);
  const [editingOrder, setEditingOrder] = useState(false);
  const [repricing, setRepricing] = useState<number>();
  const [parking, setParking] = useState(false);
  const [category, setCategory] = useState(ALL);
  const [query, setQuery] = useState('');
  const [notice, setNotice] = useState<string>();
  const [editing, setEditing] = useState<number>();
  const [tendering, setTendering] = useState(false);
  const [parkedNote, setParked] = useState<string>();
  const [camera, setCamera] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const { db, session } = context;

  // The sale on screen survives the till locking itself or a switch of cashier: it is held for its
  // cashier (heldsale.ts) and comes back when they sign in again.
  const [restored, setRestored] = useState(resume !== undefined);
  useEffect(() => {
    if (restored) return;
    let cancelled = false;
    void takeHeldSale(db, session.staffId).then((held) => {
      if (cancelled) return;
      if (held) {
        setLines(held.lines);
        setOrderDiscount(held.orderDiscount);
        setResumed(held.resumed);
      }
      setRestored(true);
    });
    return () => {
      cancelled = true;
    };
  }, [db, session.staffId, restored]);
  useEffect(() => {
    if (restored) void holdSale(db, session.staffId, { lines, orderDiscount, resumed });
  }, [db, session.staffId, restored, lines, orderDiscount, resumed]);

  const priced = useMemo(() => {
    try {
      return {
        document: priceCart(lines, catalog.taxRates, currency, orderDiscount, catalog.settings.pricing),
      };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }, [lines, catalog.taxRates, currency, orderDiscount, catalog.settings.pricing]);

  /** Empties the cart: the sale on screen is gone (a resumed parked sale stays parked). */
  function clearSale() {
    setLines([]);
    setResumed(undefined);
    setOrderDiscount(undefined);
    setEditingOrder(false);
    setRepricing(undefined);
  }

  // A tab per top-level category; under the chosen one, a tab per subcategory. A top-level tab
  // shows its subcategories' products too.
  const tabs = useMemo(() => categoryTabs(catalog.categories, category), [catalog.categories, category]);
  // The catalog's text in one string (search.ts): a keystroke stays fast with 100,000 items.
  const index = useMemo(() => searchIndex(catalog.items), [catalog.items]);
  const shown = useMemo(
    () =>
      searchItems(
        index,
        query,
        (item) => category === ALL || tabs.inCategory.has(item.categoryId ?? ''),
        GRID_LIMIT,
      ),
    [index, category, query, tabs],
  );

  /** Adds the item to the sale; says what happened. */
  function add(item: CatalogItem): string {
    if (item.unitPrice === null) {
      const refused = `${item.name} has no price in this store and cannot be sold.`;
      setNotice(refused);
      return refused;
    }
    setNotice(undefined);
    setLines((current) => addItem(current, item));
    return `Added ${item.name}.`;
  }

  // A keyboard-wedge scanner anywhere on the screen (a fast burst ending in Enter), or the camera.
  const scanned = useRef<(code: string) => string>(() => '');
  scanned.current = (code: string) => {
    // A UPC-A (12 digits) is the EAN-13 with a leading 0 that catalogs often store.
    const codes = /^\d{12}$/.test(code) ? [code, `0${code}`] : [code];
    const item =
      catalog.items.find((candidate) => candidate.barcode !== null && codes.includes(candidate.barcode)) ??
      catalog.items.find((candidate) => candidate.sku.toLowerCase() === code.toLowerCase());
    setQuery((current) => (current.endsWith(code) ? current.slice(0, -code.length) : current));
    if (item) return add(item);
    const unknown = `No product has the code ${code}. Check the item or search for it by name.`;
    setNotice(unknown);
    return unknown;
  };
  useEffect(() => {
    if (tendering) return;
    const detector = wedgeDetector();
    const onKey = (event: KeyboardEvent) => {
      const code = detector.key(event.key, event.timeStamp);
      if (code) {
        event.preventDefault();
        scanned.current(code);
      }
    };
    addEventListener('keydown', onKey, { capture: true });
    return () => removeEventListener('keydown', onKey, { capture: true });
  }, [tendering]);

  const total = priced.document?.totals.total ?? 0;

  if (tendering && priced.document)
    return (
      <TenderPanel
        context={context}
        lines={lines}
        priced={priced.document}
        orderDiscount={orderDiscount}
        resumed={resumed}
        onCancel={() => setTendering(false)}
        onDone={(saleKey) => {
          // Sold: nothing is held for this cashier any more (the screen goes before its effects run).
          void holdSale(db, session.staffId, { lines: [] });
          clearSale();
          setTendering(false);
          context.show({ name: 'receipt', saleKey });
        }}
      />
    );

  return (
    <div className="sell-layout">
      <TopBar context={context} />
      <section className="catalog-pane" aria-label="Products">
        <div className="row">
          <input
            ref={searchRef}
            className="search"
            type="search"
            placeholder="Search or scan"
            aria-label="Search products by name or SKU, or scan a barcode"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && shown.length === 1) {
                add(shown[0]!);
                setQuery('');
              }
            }}
          />
          <button type="button" className="secondary camera-button" onClick={() => setCamera(true)}>
            <svg
              viewBox="0 0 24 24"
              width="24"
              height="24"
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
              strokeLinejoin="round"
              aria-hidden="true"
            >
              <path d="M3 8a2 2 0 0 1 2-2h2.5l1.5-2h6l1.5 2H19a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2Z" />
              <circle cx="12" cy="13" r="3.5" />
            </svg>
            Camera
          </button>
        </div>
        {camera && (
          <CameraScanner
            onCode={(code) => scanned.current(code)}
            onClose={() => {
              setCamera(false);
              searchRef.current?.focus();
            }}
          />
        )}
        <div className="categories" role="tablist" aria-label="Categories">
          {[{ id: ALL, name: 'All' }, ...tabs.top].map((entry) => (
            <button
              key={entry.id}
              type="button"
              role="tab"
              aria-selected={tabs.openTop === entry.id || (entry.id === ALL && category === ALL)}
              className={
                tabs.openTop === entry.id || (entry.id === ALL && category === ALL) ? 'tab selected' : 'tab'
              }
              onClick={() => setCategory(entry.id)}
            >
              {entry.name}
            </button>
          ))}
        </div>
        {tabs.children.length > 0 && (
          <div
            className="categories subcategories"
            role="tablist"
            aria-label={`Subcategories of ${tabs.openTopName}`}
          >
            {[{ id: tabs.openTop!, name: `All ${tabs.openTopName}` }, ...tabs.children].map((entry) => (
              <button
                key={entry.id}
                type="button"
                role="tab"
                aria-selected={category === entry.id}
                className={category === entry.id ? 'tab selected' : 'tab'}
                onClick={() => setCategory(entry.id)}
              >
                {entry.name}
              </button>
            ))}
          </div>
        )}
        {notice && (
          <p className="error" role="alert">
            {notice}
          </p>
        )}
        <div className="product-grid">
          {shown.map((item) => (
            <button key={item.variantId} type="button" className="product" onClick={() => add(item)}>
              <span className="product-name">{item.name}</span>
              <span className="product-price">
                {item.unitPrice === null ? 'No price' : money(item.unitPrice)}
              </span>
            </button>
          ))}
          {shown.length === 0 && <p className="muted">No products match “{query}”.</p>}
        </div>
      </section>
      <section className="cart-pane" aria-label="Current sale">
        <div className="row">
          <h2 className="grow">Current sale</h2>
          <button
            type="button"
            className="secondary"
            disabled={lines.length > 0}
            onClick={() => context.show({ name: 'return' })}
          >
            Return
          </button>
          <button
            type="button"
            className="secondary"
            // Park or clear the sale on screen first: leaving would lose it.
            disabled={lines.length > 0}
            onClick={() => context.show({ name: 'parked' })}
          >
            Parked sales
          </button>
        </div>
        {resumed && (
          <p className="notice" data-testid="resumed">
            Resumed parked sale{resumed.note ? `: ${resumed.note}` : ''}
          </p>
        )}
        {lines.length === 0 && <p className="muted">Tap a product or scan a barcode.</p>}
        <ol className="cart-lines">
          {lines.map((line, index) => {
            const pricedLine = priced.document?.lines[index];
            return (
              <li key={`${line.item.variantId}-${index}`} className="cart-line">
                <div className="line-main">
                  <span className="line-name">{line.item.name}</span>
                  <span className="line-total" data-testid="line-total">
                    {pricedLine ? money(pricedLine.total) : ''}
                  </span>
                </div>
                <div className="line-controls">
                  <button
                    type="button"
                    className="small-square"
                    aria-label={`One less ${line.item.name}`}
                    onClick={() =>
                      setLines((current) =>
                        current
                          .map((l, i) => (i === index ? { ...l, quantity: l.quantity - 1 } : l))
                          .filter((l) => l.quantity > 0),
                      )
                    }
                  >
                    −
                  </button>
                  <span className="quantity" aria-label="Quantity">
                    {line.quantity}
                  </span>
                  <button
                    type="button"
                    className="small-square"
                    aria-label={`One more ${line.item.name}`}
                    onClick={() =>
                      setLines((current) =>
                        current.map((l, i) => (i === index ? { ...l, quantity: l.quantity + 1 } : l)),
                      )
                    }
                  >
                    +
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    aria-expanded={editing === index}
                    onClick={() => setEditing(editing === index ? undefined : index)}
                  >
                    {line.discountPercent ? `−${line.discountPercent} %` : 'Discount'}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    aria-expanded={repricing === index}
                    onClick={() => setRepricing(repricing === index ? undefined : index)}
                  >
                    Price
                  </button>
                </div>
                {line.priceOverride !== undefined && (
                  <p className="notice line-note">
                    Price changed: {money(line.priceOverride)} instead of {money(line.item.unitPrice ?? 0)}
                  </p>
                )}
                {repricing === index && (
                  <PriceForm
                    line={line}
                    currency={currency}
                    onSet={(priceOverride) => {
                      setLines((current) =>
                        current.map((l, i) => {
                          if (i !== index) return l;
                          const { priceOverride: _previous, ...rest } = l;
                          return priceOverride === undefined ? rest : { ...rest, priceOverride };
                        }),
                      );
                      setRepricing(undefined);
                    }}
                  />
                )}
                {editing === index && (
                  <div className="row wrap" role="group" aria-label={`Discount on ${line.item.name}`}>
                    {['0', ...DISCOUNTS].map((percent) => (
                      <button
                        key={percent}
                        type="button"
                        className="secondary"
                        onClick={() => {
                          setLines((current) =>
                            current.map((l, i) =>
                              i === index
                                ? {
                                    ...l,
                                    ...(percent === '0'
                                      ? { discountPercent: undefined }
                                      : { discountPercent: percent }),
                                  }
                                : l,
                            ),
                          );
                          setEditing(undefined);
                        }}
                      >
                        {percent === '0' ? 'None' : `${percent} %`}
                      </button>
                    ))}
                  </div>
                )}
              </li>
            );
          })}
        </ol>
        {priced.error && (
          <p className="error" role="alert">
            This sale cannot be priced: {priced.error}
          </p>
        )}
        {lines.length > 0 && (
          <div className="row wrap">
            <button
              type="button"
              className="secondary"
              aria-expanded={editingOrder}
              onClick={() => setEditingOrder(!editingOrder)}
            >
              {orderDiscount ? `Order discount −${orderDiscount.percent} %` : 'Order discount'}
            </button>
          </div>
        )}
        {editingOrder && (
          <div className="row wrap" role="group" aria-label="Discount on the whole sale">
            {['0', ...DISCOUNTS].map((percent) => (
              <button
                key={percent}
                type="button"
                className="secondary"
                onClick={() => {
                  setOrderDiscount(percent === '0' ? undefined : { percent });
                  setEditingOrder(false);
                }}
              >
                {percent === '0' ? 'None' : `${percent} %`}
              </button>
            ))}
          </div>
        )}
        {priced.document && (
          <dl className="totals">
            {priced.document.totals.discountTotal > 0 && (
              <>
                <dt>Discounts</dt>
                <dd>−{money(priced.document.totals.discountTotal)}</dd>
              </>
            )}
            {priced.document.taxes.map((tax) => (
              <div key={tax.rateId} className="tax-row">
                <dt>{tax.inclusive ? `incl. ${tax.name}` : tax.name}</dt>
                <dd>{money(tax.tax)}</dd>
              </div>
            ))}
            <dt className="grand">Total</dt>
            <dd className="grand" data-testid="sale-total">
              {money(total)}
            </dd>
          </dl>
        )}
        {parking && (
          <ParkForm
            context={context}
            lines={lines}
            resumed={resumed}
            orderDiscount={orderDiscount}
            onParked={(note) => {
              setParking(false);
              clearSale();
              setNotice(undefined);
              setParked(note);
            }}
            onCancel={() => setParking(false)}
          />
        )}
        {parkedNote !== undefined && lines.length === 0 && (
          <p className="notice" role="status">
            Sale parked{parkedNote ? `: ${parkedNote}` : ''}. Find it under Parked sales.
          </p>
        )}
        <div className="row">
          <button type="button" className="secondary" disabled={lines.length === 0} onClick={clearSale}>
            Clear
          </button>
          <button
            type="button"
            className="secondary"
            disabled={lines.length === 0 || parking}
            onClick={() => setParking(true)}
          >
            Park
          </button>
          <button
            type="button"
            className="primary grow"
            disabled={!priced.document}
            onClick={() => setTendering(true)}
          >
            Pay {priced.document ? money(total) : ''}
          </button>
        </div>
      </section>
    </div>
  );
}

/** Parks the sale on the server with a note; online only (it says so before anyone tries). */
function ParkForm({
  context,
  lines,
  orderDiscount,
  resumed,
  onParked,
  onCancel,
}: {
  context: TillContext;
  lines: CartLine[];
  orderDiscount: OrderDiscount | undefined;
  resumed: ResumedSale | undefined;
  onParked: (note: string) => void;
  onCancel: () => void;
}) {
  const [note, setNote] = useState(resumed?.note ?? '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function park() {
    setBusy(true);
    setError(undefined);
    try {
      await parkSale(context.db, context.session.staffId, {
        lines,
        orderDiscount,
        note: note.trim(),
        ...(resumed ? { resumeSaleId: resumed.saleId } : {}),
      });
      onParked(note.trim());
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      className="park-form"
      onSubmit={(event) => {
        event.preventDefault();
        void park();
      }}
    >
      <label>
        Note for this sale
        <input
          value={note}
          maxLength={500}
          placeholder="Table 4, back after lunch"
          autoFocus
          onChange={(event) => setNote(event.target.value)}
        />
      </label>
      <p className="muted">
        {context.syncState.online
          ? 'Parked sales are kept on the server, so any register of this store can finish them.'
          : 'Parking needs the network: this register is offline. Pay now, or park when it is back.'}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary grow" disabled={busy || !context.syncState.online}>
          {busy ? 'Parking…' : 'Park sale'}
        </button>
      </div>
    </form>
  );
}

/** A unit price other than the catalog's for one line; a manager approves it when the API asks. */
function PriceForm({
  line,
  currency,
  onSet,
}: {
  line: CartLine;
  currency: string;
  onSet: (priceOverride: number | undefined) => void;
}) {
  const [typed, setTyped] = useState(
    moneyInputText(line.priceOverride ?? line.item.unitPrice ?? 0, currency),
  );
  const [error, setError] = useState<string>();
  return (
    <form
      className="row wrap price-form"
      onSubmit={(event) => {
        event.preventDefault();
        const amount = parseMoney(typed, currency);
        if (amount === undefined) return setError('That is not an amount.');
        onSet(amount === line.item.unitPrice ? undefined : amount);
      }}
    >
      <label className="grow">
        New price of one {line.item.name}
        <input
          inputMode="decimal"
          value={typed}
          autoFocus
          onChange={(event) => setTyped(event.target.value)}
        />
      </label>
      <button type="submit" className="primary">
        Set price
      </button>
      <button type="button" className="secondary" onClick={() => onSet(undefined)}>
        Catalog price
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
