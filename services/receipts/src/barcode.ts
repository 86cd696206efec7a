// Code 128 (set B) for the receipt number: the till's scanner (a keyboard wedge) reads it back as
// the number itself, which the return flow looks up. Pure: symbol values and bar widths, and an SVG
// for the HTML receipt; an ESC/POS printer draws the same symbol itself (GS k).

/** The 107 symbol patterns (ISO/IEC 15417): six widths, bar first, 11 modules; 106 is the stop (13). */
// prettier-ignore
export const CODE128_PATTERNS: readonly string[] = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112',
];

const START_B = 104;
const STOP = 106;

/** Start B, one symbol per character (printable ASCII), the mod-103 check symbol, stop. */
export function code128Symbols(text: string): number[] {
  if (text.length === 0 || !/^[\x20-\x7e]+$/.test(text)) {
    throw new Error(`Code 128 set B takes printable ASCII, got ${JSON.stringify(text)}`);
  }
  const values = [...text].map((char) => char.charCodeAt(0) - 32);
  const check = values.reduce((sum, value, index) => sum + value * (index + 1), START_B) % 103;
  return [START_B, ...values, check, STOP];
}

/** Bar and space widths in modules, bar first, alternating. */
export function code128Widths(text: string): number[] {
  return code128Symbols(text).flatMap((symbol) => [...CODE128_PATTERNS[symbol]!].map(Number));
}

/** An SVG of the symbol with a quiet zone of 10 modules each side; `module` is a bar's unit width. */
export function code128Svg(text: string, options: { height?: number; module?: number } = {}): string {
  const module = options.module ?? 2;
  const height = options.height ?? 48;
  const quiet = 10;
  const widths = code128Widths(text);
  let x = quiet;
  const bars: string[] = [];
  widths.forEach((width, index) => {
    if (index % 2 === 0)
      bars.push(`<rect x="${x * module}" y="0" width="${width * module}" height="${height}"/>`);
    x += width;
  });
  const total = (x + quiet) * module;
  return `<svg width="${total}" height="${height}" viewBox="0 0 ${total} ${height}" role="img" aria-hidden="true">${bars.join('')}</svg>`;
}
