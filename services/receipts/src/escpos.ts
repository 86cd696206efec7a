// The receipt as ESC/POS bytes for a thermal receipt printer: the lines of the text layout,
// encoded in the printer's code page, with the total emphasized, a partial cut and, when cash
// changed hands, the pulse that opens the cash drawer wired to the printer.
import { codePage, encodeCodePage, toCodePage, type CodePageName } from './codepages.ts';
import type { ReceiptDocument } from './document.ts';
import { DEFAULT_WIDTH, layoutReceipt, type LayoutStyle } from './text.ts';

export interface EscPosOptions {
  /** Columns of font A: 42 on 80 mm paper, 32 on 58 mm. */
  width?: number;
  /** Print the receipt number as Code 128 under the receipt (for returns by scanning it). */
  barcode?: boolean;
  /** Kick the cash drawer open; defaults to the document's openDrawer. */
  openDrawer?: boolean;
  /** cp858 (default: Western European letters and €) or cp437 (older printers; € as "EUR"). */
  codePage?: CodePageName;
}

const ESC = 0x1b;
const GS = 0x1d;
const LF = 0x0a;

/** The commands used, as documented in Epson's ESC/POS command reference. */
export const ESC_POS = Object.freeze({
  /** ESC @: clears the buffer and resets every mode to the power-on state. */
  initialize: [ESC, 0x40],
  /** ESC t n: the character code table for bytes 0x80–0xFF. */
  selectCodePage: (table: number) => [ESC, 0x74, table],
  /** ESC p m t1 t2: pulse on drawer pin 2 (m = 0) for 25 × 2 ms, then 250 × 2 ms off. */
  drawerKick: [ESC, 0x70, 0x00, 0x19, 0xfa],
  /** ESC E n: emphasized (bold) on/off. */
  boldOn: [ESC, 0x45, 0x01],
  boldOff: [ESC, 0x45, 0x00],
  /** GS ! n: character size; 0x01 = double height (same width, so the columns still fit). */
  doubleHeight: [GS, 0x21, 0x01],
  normalSize: [GS, 0x21, 0x00],
  lineFeed: [LF],
  /** GS V 66 n: feeds the paper to the cutter (+ n motion units) and cuts it partially. */
  feedAndPartialCut: [GS, 0x56, 0x42, 0x00],
} as const);

const STYLE_ON: Record<LayoutStyle, readonly number[]> = {
  normal: [],
  bold: ESC_POS.boldOn,
  total: [...ESC_POS.boldOn, ...ESC_POS.doubleHeight],
};
const STYLE_OFF: Record<LayoutStyle, readonly number[]> = {
  normal: [],
  bold: ESC_POS.boldOff,
  total: [...ESC_POS.normalSize, ...ESC_POS.boldOff],
};

/**
 * The receipt as a print job. Text that the code page cannot print is replaced (see toCodePage)
 * before the layout measures it, so columns stay aligned and rendering never throws on a name.
 * The drawer is kicked right after initialization: it opens while the receipt prints.
 */
export function renderEscPos(doc: ReceiptDocument, options: EscPosOptions = {}): Uint8Array {
  const page = codePage(options.codePage ?? 'cp858');
  const lines = layoutReceipt(doc, {
    width: options.width ?? DEFAULT_WIDTH,
    printable: (text) => toCodePage(text, page),
  });
  const bytes: number[] = [...ESC_POS.initialize, ...ESC_POS.selectCodePage(page.escPosTable)];
  if (options.openDrawer ?? doc.openDrawer) bytes.push(...ESC_POS.drawerKick);
  for (const line of lines) {
    // Sizes and emphasis apply to characters as they are buffered, so the line can be reset before
    // the line feed prints it.
    bytes.push(...STYLE_ON[line.style], ...encodeCodePage(line.text, page), ...STYLE_OFF[line.style]);
    bytes.push(...ESC_POS.lineFeed);
  }
  if (options.barcode) bytes.push(...receiptBarcode(doc.number));
  bytes.push(...ESC_POS.feedAndPartialCut);
  return Uint8Array.from(bytes);
}

/**
 * The receipt number as Code 128 (set B), drawn by the printer itself: centred (ESC a 1), 80 dots
 * high (GS h), 2-dot modules (GS w), the number printed below it (GS H 2), then GS k 73 n "{B" data.
 * A number outside printable ASCII gets no symbol.
 */
export function receiptBarcode(number: string): number[] {
  if (!/^[\x20-\x7e]{1,250}$/.test(number)) return [];
  const data = [0x7b, 0x42, ...[...number].map((char) => char.charCodeAt(0))];
  return [
    ...[ESC, 0x61, 0x01],
    ...[GS, 0x68, 80],
    ...[GS, 0x77, 2],
    ...[GS, 0x48, 2],
    ...[GS, 0x6b, 73, data.length, ...data],
    ...ESC_POS.lineFeed,
    ...[ESC, 0x61, 0x00],
  ];
}
