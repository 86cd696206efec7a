// Runs every golden file in ../golden. The expected figures in those files were worked out by hand
// (each file's `why` shows the arithmetic); never regenerate them from the engine's output, or a
// golden can no longer fail.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cashRound } from './cash.ts';
import { priceDocument, type PricedDocument } from './document.ts';
import type { DocumentInput } from './input.ts';
import type { RoundingMode } from './rounding.ts';

interface DocumentGolden {
  description: string;
  why: string | string[];
  function?: 'priceDocument';
  input: DocumentInput;
  expected: PricedDocument;
}

interface CashGolden {
  description: string;
  why: string | string[];
  function: 'cashRound';
  input: { amount: number; increment: number; mode: RoundingMode }[];
  expected: { payable: number; adjustment: number }[];
}

type Golden = DocumentGolden | CashGolden;

const folder = new URL('../golden/', import.meta.url);
const goldens = readdirSync(folder)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ name, golden: JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as Golden }));

const documentGoldens = goldens.filter(
  (entry): entry is { name: string; golden: DocumentGolden } => entry.golden.function !== 'cashRound',
);
const cashGoldens = goldens.filter(
  (entry): entry is { name: string; golden: CashGolden } => entry.golden.function === 'cashRound',
);

const negateQuantity = (quantity: string | number): string | number =>
  typeof quantity === 'number' ? -quantity : quantity.startsWith('-') ? quantity.slice(1) : `-${quantity}`;

/** The same document with every quantity negated: a sale becomes its refund and back. */
function mirrorInput(input: DocumentInput): DocumentInput {
  return {
    ...input,
    lines: input.lines.map((line) => ({ ...line, quantity: negateQuantity(line.quantity) })),
  };
}

/** What the mirrored document must price to: every amount negated; unit prices and rates stay. */
function mirrorExpected(value: unknown, key = ''): unknown {
  if (typeof value === 'number') return key === 'unitPrice' || value === 0 ? value : -value;
  if (key === 'quantity' && typeof value === 'string') {
    return value === '0' ? value : negateQuantity(value);
  }
  if (Array.isArray(value)) return value.map((item) => mirrorExpected(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, mirrorExpected(item, name)]),
    );
  }
  return value;
}

describe('golden files', () => {
  it('are all there and explain themselves', () => {
    expect(documentGoldens.length).toBeGreaterThanOrEqual(19);
    expect(cashGoldens.length).toBeGreaterThanOrEqual(1);
    for (const { golden } of goldens) {
      expect(golden.description).toEqual(expect.any(String));
      expect([golden.why].flat().join(' ').length).toBeGreaterThan(40);
    }
  });

  describe.each(documentGoldens)('$name', ({ golden }) => {
    it(golden.description, () => {
      expect(priceDocument(golden.input)).toEqual(golden.expected);
    });

    it('mirrors exactly when every quantity is negated', () => {
      expect(priceDocument(mirrorInput(golden.input))).toEqual(mirrorExpected(golden.expected));
    });
  });

  describe.each(cashGoldens)('$name', ({ golden }) => {
    it(golden.description, () => {
      expect(golden.input.map(({ amount, increment, mode }) => cashRound(amount, increment, mode))).toEqual(
        golden.expected,
      );
    });
  });
});
