// The receipt as an e-mail: the same document as the printed receipt, as a plain-text part (the
// text rendering) and an HTML part (the HTML rendering, already self-contained and escaped), with a
// subject in the receipt's language. Pure: the sales domain queues it, the worker sends it.
import type { ReceiptDocument } from './document.ts';
import { cleanText } from './format.ts';
import { renderHtml } from './html.ts';
import { labelsFor } from './labels.ts';
import { renderText } from './text.ts';

export interface ReceiptMail {
  subject: string;
  text: string;
  html: string;
}

/** Longest subject kept (the column's size); a long merchant name is cut, never the number. */
export const MAX_MAIL_SUBJECT = 300;

export function renderMail(document: ReceiptDocument): ReceiptMail {
  const labels = labelsFor(document.locale);
  const what = `${labels.receipt} ${document.number}`;
  // Tenant text in a header: control characters and line breaks become spaces (no header injection).
  const merchant = cleanText(document.merchant.name).replace(/\s+/gu, ' ').trim();
  const subject = merchant ? `${what} · ${merchant}` : what;
  return {
    subject: subject.length > MAX_MAIL_SUBJECT ? `${subject.slice(0, MAX_MAIL_SUBJECT - 1)}…` : subject,
    // 42 columns, as on an 80 mm printer: mail readers show text parts in a fixed-width font.
    text: renderText(document, { width: 42 }),
    html: renderHtml(document),
  };
}
