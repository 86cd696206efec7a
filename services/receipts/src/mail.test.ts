// The receipt e-mail: its parts are the text and HTML receipts of the same document (checked against
// the hand-written golden), the subject says what it is in the receipt's language, and a merchant
// name cannot add a header line.
import { describe, expect, it } from 'vitest';
import { renderHtml } from './html.ts';
import { MAX_MAIL_SUBJECT, renderMail } from './mail.ts';
import { golden, loadGoldens } from './test-goldens.ts';

describe('renderMail', () => {
  it('sends the printed receipt as text and HTML, with a subject in the receipt’s language', () => {
    const document = golden('01');
    const mail = renderMail(document);
    expect(mail.subject).toBe('Beleg MAIN-000123 · Café Müller GmbH');
    // The text part is the 42-column receipt exactly as written by hand in the golden file.
    expect(mail.text).toBe(
      loadGoldens()
        .find((entry) => entry.name.startsWith('01'))!
        .texts.get(42),
    );
    expect(mail.html).toBe(renderHtml(document));
    expect(mail.html).toContain('Vielen Dank für Ihren Einkauf!');
    expect(mail.html).toContain('29,47');
  });

  it('keeps line breaks of a merchant name out of the subject, and long names short', () => {
    const document = golden('02');
    document.merchant.name = 'Evil\r\nBcc: everyone@example.org';
    const subject = renderMail(document).subject;
    expect(subject).not.toMatch(/[\r\n]/u);
    expect(subject).toBe(`Receipt ${document.number} · Evil Bcc: everyone@example.org`);
    document.merchant.name = 'M'.repeat(400);
    expect(renderMail(document).subject).toHaveLength(MAX_MAIL_SUBJECT);
    expect(renderMail(document).subject.startsWith(`Receipt ${document.number} · MMM`)).toBe(true);
  });
});
