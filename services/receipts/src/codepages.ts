// The printer code pages ESC/POS receipts are encoded in, and how text outside them is replaced.
// A receipt printer prints bytes: 0x20–0x7E are ASCII, 0x80–0xFF are whatever the selected code page
// says. Anything else must become characters the page has, deterministically and without throwing.

/**
 * The upper halves (0x80–0xFF) of the pages, copied from Python's `cp858` and `cp437` codecs
 * (`bytes(range(128, 256)).decode('cp858')`), which follow IBM's and Unicode's mapping tables.
 * codepages.test.ts checks the bytes that matter (€, £, ¥, umlauts, ß) against the printed tables.
 */
const CP858_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u00ad±‗¾¶§÷¸°¨·¹³²■\u00a0';
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export const CODE_PAGES = ['cp858', 'cp437'] as const;
export type CodePageName = (typeof CODE_PAGES)[number];

export interface CodePage {
  name: CodePageName;
  /** n of `ESC t n` on Epson TM printers (and most that follow them): PC858 is 19, PC437 is 0. */
  escPosTable: number;
  /** Unicode character → byte, for every printable character of the page. */
  bytes: ReadonlyMap<string, number>;
  /** byte → Unicode character, for reading printed bytes back (tests, previews). */
  chars: readonly string[];
}

function buildCodePage(name: CodePageName, escPosTable: number, high: string): CodePage {
  const upper = [...high];
  if (upper.length !== 128) throw new Error(`code page ${name} must map 128 bytes, has ${upper.length}`);
  const chars: string[] = [];
  const bytes = new Map<string, number>();
  for (let byte = 0x20; byte < 0x7f; byte += 1) chars[byte] = String.fromCharCode(byte);
  upper.forEach((char, index) => (chars[0x80 + index] = char));
  chars.forEach((char, byte) => {
    // The soft hyphen and the no-break space print as nothing useful; text never needs them.
    if (char !== '\u00ad' && char !== '\u00a0' && !bytes.has(char)) bytes.set(char, byte);
  });
  return { name, escPosTable, bytes, chars };
}

const PAGES: Record<CodePageName, CodePage> = {
  cp858: buildCodePage('cp858', 19, CP858_HIGH),
  cp437: buildCodePage('cp437', 0, CP437_HIGH),
};

export function codePage(name: CodePageName): CodePage {
  if (!Object.hasOwn(PAGES, name)) {
    throw new RangeError(`unknown code page ${JSON.stringify(name)}; one of ${CODE_PAGES.join(', ')}`);
  }
  return PAGES[name];
}

/**
 * Stand-ins for characters that are common on receipts and have no decomposition to a Latin
 * letter: typographic punctuation, letters with a stroke, ligatures, the euro sign (cp437).
 */
const SUBSTITUTES: Readonly<Record<string, string>> = {
  '€': 'EUR',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '′': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '‟': '"',
  '″': '"',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '–': '-',
  '—': '-',
  '―': '-',
  '−': '-',
  '…': '...',
  '•': '*',
  '×': 'x',
  '™': 'TM',
  '©': '(C)',
  '®': '(R)',
  ß: 'ss',
  ẞ: 'SS',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ħ: 'h',
  Ħ: 'H',
  ı: 'i',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  æ: 'ae',
  Æ: 'AE',
  þ: 'th',
  Þ: 'Th',
  ð: 'd',
  Ð: 'D',
};

/** The character put in place of a grapheme the page cannot show in any form. */
export const REPLACEMENT = '?';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Text made of the page's characters only: a grapheme the page has stays; else its substitute
 * (when the page has that); else the letter without its accents (ő → o, č → c, fullwidth Ａ → A, ￥ → ¥);
 * else one "?". Control characters are never passed through: they would be printer commands.
 */
export function toCodePage(text: string, page: CodePage): string {
  const printable = (candidate: string) => [...candidate].every((char) => page.bytes.has(char));
  let out = '';
  for (const { segment } of graphemes.segment(text.normalize('NFC'))) {
    if (printable(segment)) {
      out += segment;
      continue;
    }
    const substitute = SUBSTITUTES[segment];
    if (substitute !== undefined && printable(substitute)) {
      out += substitute;
      continue;
    }
    const stripped = segment.normalize('NFKD').replace(/\p{M}/gu, '');
    out += stripped && printable(stripped) ? stripped : REPLACEMENT;
  }
  return out;
}

/** Bytes of text already made printable by toCodePage; anything else becomes "?". */
export function encodeCodePage(text: string, page: CodePage): Uint8Array {
  const question = page.bytes.get(REPLACEMENT) ?? 0x3f;
  return Uint8Array.from([...text], (char) => page.bytes.get(char) ?? question);
}

/** Printed bytes back to text (0x20–0xFF; other bytes are commands and become U+FFFD). */
export function decodeCodePage(bytes: Uint8Array, page: CodePage): string {
  return Array.from(bytes, (byte) => page.chars[byte] ?? '\ufffd').join('');
}
