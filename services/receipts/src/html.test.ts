import { describe, expect, it } from 'vitest';
import type { ReceiptDocument } from './document.ts';
import { escapeHtml, renderHtml } from './html.ts';
import { golden, loadGoldens } from './test-goldens.ts';

const NBSP = '\u00a0';

/** The only elements and attributes a receipt page is made of: anything else got in from data. */
const ELEMENTS = new Set(
  'html head meta title style body main header h1 address br p dl dt dd time table caption thead tbody tr th td span footer figure figcaption svg rect'.split(
    ' ',
  ),
);
const ATTRIBUTES = new Set([
  // The receipt number's Code 128 symbol (inline SVG).
  'width',
  'height',
  'viewBox',
  'role',
  'aria-hidden',
  'x',
  'y',
  'lang',
  'charset',
  'http-equiv',
  'content',
  'name',
  'datetime',
  'scope',
  'class',
  'colspan',
]);

function markup(html: string) {
  const body = html.replace(/<style>[^<]*<\/style>/u, '<style></style>');
  const elements = [...body.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/gu)].map((match) =>
    match[1]!.toLowerCase(),
  );
  const tags = [...body.matchAll(/<[a-zA-Z][^>]*>/gu)].map((match) => match[0]);
  // Values are always double-quoted (and escaped), so blanking them leaves only attribute names.
  const attributes = tags.flatMap((tag) =>
    [...tag.replace(/"[^"]*"/gu, '""').matchAll(/\s([a-zA-Z-]+)=/gu)].map((match) => match[1]!),
  );
  return { elements, attributes };
}

/** A document where every piece of tenant text tries to break out of the page. */
function hostileDocument(): ReceiptDocument {
  const doc = golden('02');
  const attack = '<script>alert(1)</script>';
  doc.merchant.name = `Tom & Jerry's "Diner" ${attack}`;
  doc.merchant.address = ['<img src=x onerror=alert(1)>', '"&\''];
  doc.merchant.taxId = '"><iframe src=//evil>';
  doc.store.name = '</p><a href="https://evil.example">';
  doc.cashier = { name: '</dd><script src="https://evil.example/x.js"></script>' };
  doc.till = { name: '<style>body{display:none}</style>' };
  doc.number = 'BK1-"><b>';
  doc.lines[0]!.name = attack;
  doc.lines[0]!.sku = '"&\'';
  doc.lines[0]!.taxCodes = ['<S>'];
  doc.lines[1]!.discounts = [{ label: '<u>free</u>', amount: 0 }];
  doc.taxes[0]!.name = '<svg onload=alert(1)>';
  doc.taxes[0]!.code = '<S>';
  doc.payments = [
    { method: 'external', label: '<marquee>', amount: 4669, cardBrand: '<blink>', last4: '4242' },
  ];
  doc.header = ['<a href="https://evil.example">win</a>'];
  doc.footer = ['<!-- comment -->', ']]><![CDATA[', '\u202e<bdo>reversed'];
  doc.issuedAt = '2025-11-24T14:30:00.000Z';
  return doc;
}

describe('renderHtml', () => {
  it('is a complete page in the receipt’s language', () => {
    const html = renderHtml(golden('01'));
    expect(html.startsWith('<!doctype html>\n<html lang="de-DE">\n<head>\n<meta charset="utf-8">\n')).toBe(
      true,
    );
    expect(html).toContain('<title>Beleg MAIN-000123</title>');
    expect(html.endsWith('</body>\n</html>\n')).toBe(true);
    expect(renderHtml(golden('03'))).toContain('<html lang="ja-JP">');
  });

  it.each(loadGoldens().map((entry) => [entry.name, entry.document] as const))(
    '%s is self-contained: inline CSS, no scripts, nothing loaded from anywhere',
    (_name, doc) => {
      const html = renderHtml(doc);
      const { elements, attributes } = markup(html);
      expect(elements.filter((element) => !ELEMENTS.has(element))).toEqual([]);
      expect(attributes.filter((attribute) => !ATTRIBUTES.has(attribute))).toEqual([]);
      expect(html).not.toMatch(/<script|<link|\ssrc=|\shref=|url\(|@import|https?:/iu);
      expect(html).toContain(
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
      );
      expect(html.match(/<style>/gu)).toHaveLength(1);
    },
  );

  it('escapes every value taken from the document', () => {
    const html = renderHtml(hostileDocument());
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<span class="sku">&quot;&amp;&#39;</span>');
    expect(html).toContain(
      '<h1>Tom &amp; Jerry&#39;s &quot;Diner&quot; &lt;script&gt;alert(1)&lt;/script&gt;</h1>',
    );
    expect(html).toContain('<address>&lt;img src=x onerror=alert(1)&gt;<br>&quot;&amp;&#39;</address>');
    expect(html).toContain('<title>Receipt BK1-&quot;&gt;&lt;b&gt;</title>');
    expect(html).toContain('<p>&lt;a href=&quot;https://evil.example&quot;&gt;win&lt;/a&gt;</p>\n</header>');
    expect(html).toContain('<p>&lt;!-- comment --&gt;</p>');
    // The bidi override that would turn the footer around on screen is gone.
    expect(html).toContain('<p>&lt;bdo&gt;reversed</p>');
    const { elements, attributes } = markup(html);
    expect(elements.filter((element) => !ELEMENTS.has(element))).toEqual([]);
    expect(attributes.filter((attribute) => !ATTRIBUTES.has(attribute))).toEqual([]);
    expect(html).not.toMatch(/<script|<img|<iframe|<a |<style>body|<!--/iu);
    // The one SVG is the receipt number's barcode, made of rects only.
    expect((html.match(/<svg/giu) ?? []).length).toBeLessThanOrEqual(1);
  });

  it('escapes what HTML needs escaped, in text and in quoted attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });

  it('marks up lines, totals, payments and taxes as tables with headers', () => {
    const html = renderHtml(golden('01'));
    expect(html).toContain(
      '<thead><tr><th scope="col">Artikel</th><th scope="col" class="num">Menge</th>' +
        '<th scope="col" class="num">Preis</th><th scope="col" class="num">Betrag</th>' +
        '<th scope="col" class="code">MwSt</th></tr></thead>',
    );
    expect(html).toContain(
      `<tr><th scope="row">Kaffee Crema 1 kg<span class="sku">KAF-1000</span></th><td class="num">2</td>` +
        `<td class="num">12,99${NBSP}€</td><td class="num">25,98${NBSP}€</td><td class="code">A</td></tr>`,
    );
    expect(html).toContain(
      `<tr class="sub"><td colspan="3">Rabatt 10 %</td><td class="num">-2,60${NBSP}€</td><td></td></tr>`,
    );
    expect(html).toContain(
      `<tr class="total"><th scope="row">SUMME</th><td class="num">29,47${NBSP}€</td></tr>`,
    );
    expect(html).toContain(
      `<tr class="sub"><th scope="row">Rückgeld</th><td class="num">20,53${NBSP}€</td></tr>`,
    );
    expect(html).toContain(
      `<tr><th scope="row">A MwSt 19%</th><td class="num">19${NBSP}% inkl.</td><td class="num">19,65${NBSP}€</td>` +
        `<td class="num">3,73${NBSP}€</td><td class="num">23,38${NBSP}€</td></tr>`,
    );
    expect(html).toContain(
      '<dt>Datum</dt><dd><time datetime="2025-11-24T09:05:00.000Z">24.11.2025, 10:05</time></dd>',
    );
  });

  it('shows money in the receipt’s currency and locale, negative on a return', () => {
    const ret = renderHtml(golden('04'));
    expect(ret).toContain('<p class="kind">RETURN</p>');
    expect(ret).toContain('<dt>Original receipt</dt><dd>LDS-000198</dd>');
    expect(ret).toContain('<tr class="total"><th scope="row">TOTAL</th><td class="num">-£41.17</td></tr>');
    expect(ret).toContain(
      '<tr class="sub"><td colspan="3">Bundle 10%</td><td class="num">£1.80</td><td></td></tr>',
    );
    expect(renderHtml(golden('03'))).toContain('<td class="num">￥580</td>');
    const swiss = renderHtml(golden('06'));
    expect(swiss).toContain(`<tr><th scope="row">Rundung</th><td class="num">CHF-0.02</td></tr>`);
    const us = renderHtml(golden('02'));
    expect(us).toContain('<tr><th scope="row">NY Sales Tax 8.875%</th><td class="num">$3.80</td></tr>');
    expect(us).toContain(
      '<tr><th scope="row">Card<span class="detail">Visa **** 4242</span></th><td class="num">$46.69</td></tr>',
    );
  });

  it('is deterministic', () => {
    expect(renderHtml(golden('05'))).toBe(renderHtml(golden('05')));
  });

  it('shows the receipt number as a Code 128 symbol a till can scan, with the number under it', () => {
    const doc = golden('01');
    const html = renderHtml(doc);
    expect(html).toContain(`<figure class="code"><svg width=`);
    expect(html).toContain(`<figcaption>${doc.number}</figcaption></figure>`);
  });
});
