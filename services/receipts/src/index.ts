// Receipts as pure code: a ReceiptDocument built from a committed sale, and its three renderings
// (plain text, HTML, ESC/POS bytes, and an e-mail of the text and HTML). No database and no HTTP here; the sales routes load the sale,
// build the document and pick a renderer.
export { CODE_PAGES, type CodePageName } from './codepages.ts';
export {
  buildReceiptDocument,
  receiptNumber,
  ReceiptError,
  RECEIPT_KINDS,
  RECEIPT_PAYMENT_METHODS,
  type ReceiptDiscount,
  type ReceiptDocument,
  type ReceiptKind,
  type ReceiptLine,
  type ReceiptPayment,
  type ReceiptPaymentMethod,
  type ReceiptSaleData,
  type ReceiptSaleLine,
  type ReceiptSalePayment,
  type ReceiptSaleTax,
  type ReceiptTax,
  type ReceiptTotals,
} from './document.ts';
export { ESC_POS, renderEscPos, type EscPosOptions } from './escpos.ts';
export { renderHtml } from './html.ts';
export { renderMail, type ReceiptMail } from './mail.ts';
export { renderText, type TextOptions } from './text.ts';

/** The media types of the three renderings, for the receipt route's Content-Type. */
export const RECEIPT_MEDIA_TYPES = Object.freeze({
  html: 'text/html; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  escpos: 'application/octet-stream',
} as const);
