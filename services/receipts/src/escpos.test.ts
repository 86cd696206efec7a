import { describe, expect, it } from 'vitest';
import { codePage, decodeCodePage } from './codepages.ts';
import type { ReceiptDocument } from './document.ts';
import { renderEscPos } from './escpos.ts';
import { golden } from './test-goldens.ts';
import { renderText } from './text.ts';

// The commands a receipt may contain, byte for byte (Epson ESC/POS reference). Written out here
// rather than taken from escpos.ts, so that a wrong constant there fails.
const COMMANDS: readonly (readonly [string, readonly number[]])[] = [
  ['initialize', [0x1b, 0x40]],
  ['code page 858', [0x1b, 0x74, 19]],
  ['code page 437', [0x1b, 0x74, 0]],
  ['drawer kick', [0x1b, 0x70, 0x00, 0x19, 0xfa]],
  ['bold on', [0x1b, 0x45, 0x01]],
  ['bold off', [0x1b, 0x45, 0x00]],
  ['double height', [0x1d, 0x21, 0x01]],
  ['normal size', [0x1d, 0x21, 0x00]],
  ['partial cut', [0x1d, 0x56, 0x42, 0x00]],
];
const DRAWER_KICK = [0x1b, 0x70, 0x00, 0x19, 0xfa];

interface PrintJob {
  commands: string[];
  /** The printable bytes and line feeds, commands taken out. */
  text: number[];
  /** Which text the total line's emphasis wraps. */
  emphasized: number[];
}

/** Reads a print job; any control byte that is not a line feed or a known command is an error. */
function parse(bytes: Uint8Array): PrintJob {
  const job: PrintJob = { commands: [], text: [], emphasized: [] };
  let inTotal = false;
  for (let at = 0; at < bytes.length;) {
    const command = COMMANDS.find(([, sequence]) =>
      sequence.every((byte, index) => bytes[at + index] === byte),
    );
    if (command) {
      job.commands.push(command[0]);
      if (command[0] === 'double height') inTotal = true;
      if (command[0] === 'normal size') inTotal = false;
      at += command[1].length;
      continue;
    }
    const byte = bytes[at]!;
    if (byte < 0x20 && byte !== 0x0a)
      throw new Error(`unexpected control byte 0x${byte.toString(16)} at ${at}`);
    if (byte === 0x7f) throw new Error(`unexpected DEL at ${at}`);
    job.text.push(byte);
    if (inTotal) job.emphasized.push(byte);
    at += 1;
  }
  return job;
}

/** Printed bytes back to text, line by line (a line feed is a command, not a character). */
function decode(bytes: number[], page: 'cp858' | 'cp437' = 'cp858'): string {
  const lines: number[][] = [[]];
  for (const byte of bytes) {
    if (byte === 0x0a) lines.push([]);
    else lines.at(-1)!.push(byte);
  }
  return lines.map((line) => decodeCodePage(Uint8Array.from(line), codePage(page))).join('\n');
}

function count(haystack: Uint8Array, needle: readonly number[]): number {
  let found = 0;
  for (let at = 0; at + needle.length <= haystack.length; at += 1) {
    if (needle.every((byte, index) => haystack[at + index] === byte)) found += 1;
  }
  return found;
}

describe('renderEscPos', () => {
  it('initializes, selects PC858, kicks the drawer, then prints', () => {
    const bytes = renderEscPos(golden('01'));
    expect([...bytes.slice(0, 10)]).toEqual([0x1b, 0x40, 0x1b, 0x74, 0x13, 0x1b, 0x70, 0x00, 0x19, 0xfa]);
    expect(bytes).toBeInstanceOf(Uint8Array);
  });

  it('ends with the last line fed and a partial cut', () => {
    const bytes = renderEscPos(golden('01'));
    expect([...bytes.slice(-5)]).toEqual([0x0a, 0x1d, 0x56, 0x42, 0x00]);
  });

  it('uses exactly these commands, the total in bold double height', () => {
    const job = parse(renderEscPos(golden('01')));
    expect(job.commands).toEqual([
      'initialize',
      'code page 858',
      'drawer kick',
      'bold on', // the merchant's name
      'bold off',
      'bold on', // the total
      'double height',
      'normal size',
      'bold off',
      'partial cut',
    ]);
    expect(decode(job.emphasized)).toBe('SUMME EUR                          29,47');
  });

  it('kicks the drawer only when asked', () => {
    expect(golden('01').openDrawer).toBe(true);
    expect(golden('02').openDrawer).toBe(false);
    expect(count(renderEscPos(golden('01')), DRAWER_KICK)).toBe(1);
    expect(count(renderEscPos(golden('02')), DRAWER_KICK)).toBe(0);
    expect(count(renderEscPos(golden('01'), { openDrawer: false }), DRAWER_KICK)).toBe(0);
    expect(count(renderEscPos(golden('02'), { openDrawer: true }), DRAWER_KICK)).toBe(1);
    expect(parse(renderEscPos(golden('02'))).commands).not.toContain('drawer kick');
  });

  it('cannot be made to kick the drawer or cut by a product name, header or footer', () => {
    const doc = golden('02');
    doc.lines[0]!.name = 'Beans \u001bp\u0000\u0019\u00fa \u001dVB\u0000 \u001b@';
    doc.header = ['\u001dVB\u0000 cut here'];
    doc.footer = ['\u001bp\u00000\u00fa'];
    const bytes = renderEscPos(doc);
    expect(count(bytes, DRAWER_KICK)).toBe(0);
    expect(parse(bytes).commands).toEqual([
      'initialize',
      'code page 858',
      'bold on',
      'bold off',
      'bold on',
      'double height',
      'normal size',
      'bold off',
      'partial cut',
    ]);
  });

  it.each(['02', '04', '06'])('prints golden %s exactly as its text layout', (name) => {
    const doc = golden(name);
    expect(decode(parse(renderEscPos(doc)).text)).toBe(renderText(doc));
  });

  it('prints at 58 mm when told: the 32-column layout', () => {
    const doc = golden('06');
    expect(decode(parse(renderEscPos(doc, { width: 32 })).text)).toBe(renderText(doc, { width: 32 }));
  });

  it('replaces what PC858 lacks without moving a column: – becomes -, € stays (0xD5)', () => {
    const cafe = golden('01');
    expect(decode(parse(renderEscPos(cafe)).text)).toBe(renderText(cafe).replace('–', '-'));
    const dublin = golden('05');
    const bytes = renderEscPos(dublin);
    expect(decode(parse(bytes).text)).toBe(renderText(dublin).replace('—', '-'));
    expect(decode(parse(bytes).text)).toContain(' Gift cards from €10 - ask at the counter\n');
    expect(count(bytes, [0xd5, 0x31, 0x30])).toBe(1);
  });

  it('falls back to PC437 when asked, the euro sign spelled out and the line centred again', () => {
    const bytes = renderEscPos(golden('05'), { codePage: 'cp437' });
    const job = parse(bytes);
    expect(job.commands.slice(0, 3)).toEqual(['initialize', 'code page 437', 'drawer kick']);
    expect(decode(job.text, 'cp437')).toContain('\nGift cards from EUR10 - ask at the counter\n');
  });

  it('prints a question mark per character a Latin printer cannot show, keeping the columns', () => {
    const lines = decode(parse(renderEscPos(golden('03'))).text).split('\n');
    // Hand-laid: "緑茶 500ml" is 10 columns on screen, "?? 500ml" 8 on paper; 320 still ends at 40.
    expect(lines).toContain(`?? 500ml${' '.repeat(29)}320 R`);
    expect(lines).toContain(`${' '.repeat(19)}???`);
    expect(lines).toContain(`${' '.repeat(15)}${'?'.repeat(11)}`);
    expect(lines).toContain(`TOTAL JPY${' '.repeat(28)}580`);
  });

  it('never throws and never writes past the width, whatever the names are made of', () => {
    // Characters from everywhere: controls, Latin, Greek, Cyrillic, CJK, emoji, combining marks,
    // bidi controls, lone surrogates, private use, spaces of every kind.
    const alphabet = [
      ...'\u0000\u0007\u001b\u001d\n\t\u007f\u0085\u00a0\u00ad\u200b\u200d\u202e\u2028\u3000\ue000\ud800\udc00',
      ...'AzÀÿĀžΩωЖя緑茶ｶﾞＡ🎉👩‍👩‍👧e\u0301\u0308€£¥—“”…ﬁ½',
    ];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const word = () =>
      Array.from({ length: 1 + random(30) }, () => alphabet[random(alphabet.length)]).join('');
    for (let round = 0; round < 150; round += 1) {
      const doc: ReceiptDocument = golden('05');
      doc.merchant.name = word();
      doc.store.name = word();
      doc.lines[0]!.name = `${word()} ${word()}`;
      doc.lines[1]!.taxCodes = [word()];
      doc.payments[0]!.label = word();
      doc.footer = [word(), word()];
      for (const width of [32, 42]) {
        for (const page of ['cp858', 'cp437'] as const) {
          const bytes = renderEscPos(doc, { width, codePage: page });
          const job = parse(bytes);
          for (const line of decode(job.text, page).split('\n'))
            expect(line.length).toBeLessThanOrEqual(width);
          expect(renderEscPos(doc, { width, codePage: page })).toEqual(bytes);
        }
      }
    }
  });

  it('prints the receipt number as Code 128 when asked, drawn by the printer (GS k, set B)', () => {
    const doc = golden('02');
    const bytes = Buffer.from(renderEscPos(doc, { barcode: true }));
    const data = Buffer.from(`{B${doc.number}`, 'latin1');
    const command = Buffer.concat([Buffer.from([0x1d, 0x6b, 73, data.length]), data]);
    expect(bytes.includes(command)).toBe(true);
    expect(Buffer.from(renderEscPos(doc)).includes(Buffer.from([0x1d, 0x6b]))).toBe(false);
  });
});
