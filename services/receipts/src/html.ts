// The receipt as one self-contained HTML page: to show on screen, to print, to send by e-mail. No
// scripts, no external resources (a content security policy forbids them too), CSS inline, and
// every value from the document escaped, because names, headers and footers are tenant data.
import { code128Svg } from './barcode.ts';
import type { ReceiptDocument, ReceiptLine, ReceiptPayment } from './document.ts';
import { cleanText, receiptFormatter, type ReceiptFormatter } from './format.ts';
import { labelsFor, type ReceiptLabels } from './labels.ts';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return cleanText(text).replace(/[&<>"']/gu, (char) => ESCAPES[char] ?? char);
}

const STYLE = `
@page { size: 80mm auto; margin: 4mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #000; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 80mm; margin: 0 auto; padding: 4mm; }
header, footer, .kind, .code { text-align: center; }
h1 { font-size: 1.25em; margin: 0 0 0.25em; }
address { font-style: normal; }
p { margin: 0.15em 0; }
.kind { font-weight: bold; font-size: 1.15em; margin: 0.5em 0; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0 1em; margin: 0.75em 0; }
dt { font-weight: normal; }
dd { margin: 0; text-align: right; }
table { width: 100%; border-collapse: collapse; margin: 0.5em 0; }
caption { text-align: left; font-weight: bold; padding-top: 0.5em; }
th, td { padding: 0.1em 0; vertical-align: top; text-align: left; font-weight: normal; }
thead th { border-bottom: 1px solid #000; font-weight: bold; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; padding-left: 0.5em; }
.code { padding-left: 0.5em; }
.sku, .detail { display: block; font-size: 0.85em; color: #444; }
.sub > * { font-size: 0.9em; padding-left: 1em; }
tr.total > * { font-weight: bold; font-size: 1.25em; border-top: 1px solid #000; }
@media print { main { padding: 0; } }
`.trim();

const cell = (tag: 'th' | 'td', text: string, attributes = '') =>
  `<${tag}${attributes}>${escapeHtml(text)}</${tag}>`;
const num = (text: string) => cell('td', text, ' class="num"');

function lineRows(line: ReceiptLine, format: ReceiptFormatter): string[] {
  const rows = [
    '<tr>' +
      `<th scope="row">${escapeHtml(line.name)}<span class="sku">${escapeHtml(line.sku)}</span></th>` +
      num(format.quantity(line.quantity)) +
      num(format.money(line.unitPrice)) +
      num(format.money(line.gross)) +
      cell('td', line.taxCodes.join(','), ' class="code"') +
      '</tr>',
  ];
  for (const discount of line.discounts) {
    rows.push(
      `<tr class="sub">${cell('td', discount.label, ' colspan="3"')}${num(format.money(-discount.amount))}<td></td></tr>`,
    );
  }
  return rows;
}

function paymentRows(payment: ReceiptPayment, format: ReceiptFormatter, labels: ReceiptLabels): string[] {
  const card = [payment.cardBrand, payment.last4 && `**** ${payment.last4}`].filter(Boolean).join(' ');
  const label = `${escapeHtml(payment.label)}${card ? `<span class="detail">${escapeHtml(card)}</span>` : ''}`;
  const rows = [`<tr><th scope="row">${label}</th>${num(format.money(payment.amount))}</tr>`];
  if (typeof payment.tendered === 'number') {
    rows.push(
      `<tr class="sub">${cell('th', labels.tendered, ' scope="row"')}${num(format.money(payment.tendered))}</tr>`,
    );
  }
  if (typeof payment.change === 'number') {
    rows.push(
      `<tr class="sub">${cell('th', labels.change, ' scope="row"')}${num(format.money(payment.change))}</tr>`,
    );
  }
  return rows;
}

/** The receipt as a complete, printable HTML document (UTF-8). */
export function renderHtml(doc: ReceiptDocument): string {
  const format = receiptFormatter(doc);
  const labels = labelsFor(doc.locale);
  const [lang = 'en'] = Intl.getCanonicalLocales(doc.locale);
  const { totals } = doc;
  const additiveTaxes = doc.taxes.filter((tax) => !tax.inclusive);
  const totalRow = (label: string, minor: number, className = '') =>
    `<tr${className ? ` class="${className}"` : ''}>${cell('th', label, ' scope="row"')}${num(format.money(minor))}</tr>`;

  const header = [
    '<header>',
    `<h1>${escapeHtml(doc.merchant.name)}</h1>`,
    doc.merchant.address?.length
      ? `<address>${doc.merchant.address.map((row) => escapeHtml(row)).join('<br>')}</address>`
      : '',
    doc.merchant.taxId ? `<p>${escapeHtml(`${labels.taxId} ${doc.merchant.taxId}`)}</p>` : '',
    `<p>${escapeHtml(doc.store.name)}</p>`,
    ...(doc.header ?? []).map((row) => `<p>${escapeHtml(row)}</p>`),
    '</header>',
    doc.kind === 'return' ? `<p class="kind">${escapeHtml(labels.return)}</p>` : '',
  ];

  // Term and value as HTML: the date is a <time> with the instant a machine can read.
  const meta: [string, string][] = [[labels.receipt, escapeHtml(doc.number)]];
  if (doc.originalNumber) meta.push([labels.originalReceipt, escapeHtml(doc.originalNumber)]);
  meta.push([
    labels.date,
    `<time datetime="${escapeHtml(doc.issuedAt)}">${escapeHtml(format.dateTime(doc.issuedAt))}</time>`,
  ]);
  if (doc.till) meta.push([labels.till, escapeHtml(doc.till.name)]);
  if (doc.cashier) meta.push([labels.cashier, escapeHtml(doc.cashier.name)]);

  const lines = [
    '<table class="lines">',
    '<thead><tr>' +
      cell('th', labels.item, ' scope="col"') +
      cell('th', labels.quantity, ' scope="col" class="num"') +
      cell('th', labels.unitPrice, ' scope="col" class="num"') +
      cell('th', labels.amount, ' scope="col" class="num"') +
      cell('th', labels.taxCode, ' scope="col" class="code"') +
      '</tr></thead>',
    '<tbody>',
    ...doc.lines.flatMap((line) => lineRows(line, format)),
    '</tbody>',
    '</table>',
  ];

  const totalRows = [
    '<table class="totals">',
    '<tbody>',
    totals.discountTotal !== 0 || additiveTaxes.length > 0 ? totalRow(labels.subtotal, totals.subtotal) : '',
    totals.discountTotal !== 0 ? totalRow(labels.discounts, -totals.discountTotal) : '',
    ...additiveTaxes.map((tax) => totalRow(tax.name, tax.amount)),
    totalRow(labels.total, totals.total, 'total'),
    totals.cashRounding !== 0 ? totalRow(labels.cashRounding, totals.cashRounding) : '',
    '</tbody>',
    '</table>',
  ];

  const payments = doc.payments.length
    ? [
        '<table class="payments">',
        `<caption>${escapeHtml(labels.payments)}</caption>`,
        '<tbody>',
        ...doc.payments.flatMap((payment) => paymentRows(payment, format, labels)),
        '</tbody>',
        '</table>',
      ]
    : [];

  const taxes = doc.taxes.length
    ? [
        '<table class="taxes">',
        `<caption>${escapeHtml(labels.taxes)}</caption>`,
        '<thead><tr>' +
          // The row headers name the rates; the corner cell has nothing to say.
          '<td></td>' +
          cell('th', labels.rate, ' scope="col" class="num"') +
          cell('th', labels.net, ' scope="col" class="num"') +
          cell('th', labels.tax, ' scope="col" class="num"') +
          cell('th', labels.gross, ' scope="col" class="num"') +
          '</tr></thead>',
        '<tbody>',
        ...doc.taxes.map(
          (tax) =>
            '<tr>' +
            `<th scope="row">${escapeHtml(`${tax.code} ${tax.name}`)}</th>` +
            num(`${format.percent(tax.rate)}${tax.inclusive ? ` ${labels.inclusive}` : ''}`) +
            num(format.money(tax.base)) +
            num(format.money(tax.amount)) +
            num(format.money(tax.base + tax.amount)) +
            '</tr>',
        ),
        '</tbody>',
        '</table>',
      ]
    : [];

  const footer = doc.footer?.length
    ? ['<footer>', ...doc.footer.map((row) => `<p>${escapeHtml(row)}</p>`), '</footer>']
    : [];

  // The receipt number as Code 128, for the till's scanner to start a return.
  const code = /^[\x20-\x7e]+$/.test(doc.number)
    ? [
        `<figure class="code">${code128Svg(doc.number)}<figcaption>${escapeHtml(doc.number)}</figcaption></figure>`,
      ]
    : [];

  const body = [
    ...header,
    '<dl>',
    ...meta.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${value}</dd>`),
    '</dl>',
    ...lines,
    ...totalRows,
    ...payments,
    ...taxes,
    ...code,
    ...footer,
  ].filter(Boolean);

  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(lang)}">`,
    '<head>',
    '<meta charset="utf-8">',
    // Defense in depth: even a value that escaped escaping could not load or run anything.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${labels.receipt} ${doc.number}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main class="receipt">',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
