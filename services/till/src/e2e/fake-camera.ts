// A camera for Chromium that films a barcode: an EAN-13 drawn bar by bar into a YUV4MPEG2 (.y4m)
// video, which Chromium plays as its camera with `--use-fake-device-for-media-stream
// --use-file-for-fake-video-capture=<file>` (it loops the file). No image library: EAN-13 is a fixed
// table of bar patterns (ISO/IEC 15420), and a y4m frame is a plane of grey levels.
import { writeFile } from 'node:fs/promises';

/** Odd-parity (L) patterns of the digits 0-9; R is their complement, G is R read backwards. */
const L = '0001101 0011001 0010011 0111101 0100011 0110001 0101111 0111011 0110111 0001011'.split(' ');
const R = L.map((bits) => [...bits].map((bit) => (bit === '1' ? '0' : '1')).join(''));
const G = R.map((bits) => [...bits].reverse().join(''));
/** Which of the left six digits use G rather than L: that encodes the first digit. */
const PARITY = 'LLLLLL LLGLGG LLGGLG LLGGGL LGLLGG LGGLLG LGGGLL LGLGLG LGLGGL LGGLGL'.split(' ');

/** The EAN-13 check digit of the first twelve digits. */
export function ean13CheckDigit(first12: string): number {
  const sum = [...first12].reduce((total, digit, index) => total + Number(digit) * (index % 2 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10;
}

/** The 95 modules of an EAN-13 ('1' a bar, '0' a space), guards included. */
export function ean13Modules(code: string): string {
  if (!/^\d{13}$/.test(code) || ean13CheckDigit(code.slice(0, 12)) !== Number(code[12]))
    throw new Error(`${code} is not an EAN-13 with its check digit`);
  const digits = [...code].map(Number);
  const parity = PARITY[digits[0]!]!;
  const left = digits
    .slice(1, 7)
    .map((digit, index) => (parity[index] === 'G' ? G : L)[digit]!)
    .join('');
  const right = digits
    .slice(7)
    .map((digit) => R[digit]!)
    .join('');
  return `101${left}01010${right}101`;
}

/**
 * Writes a y4m video of `frames` identical 640×480 frames showing the EAN-13 `code` dark on white,
 * 4 pixels a module, with its quiet zones, as a cashier holds it in front of the camera.
 */
export async function writeBarcodeVideo(path: string, code: string, frames = 10): Promise<void> {
  const width = 640;
  const height = 480;
  const module = 4;
  const modules = ean13Modules(code);
  const left = Math.floor((width - modules.length * module) / 2);
  const top = 120;
  const bottom = 360;
  const luma = Buffer.alloc(width * height, 235);
  for (let y = top; y < bottom; y++) {
    for (let index = 0; index < modules.length; index++) {
      if (modules[index] !== '1') continue;
      luma.fill(16, y * width + left + index * module, y * width + left + (index + 1) * module);
    }
  }
  // 4:2:0: a quarter-size plane each for U and V, neutral grey (no colour).
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  await writeFile(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
