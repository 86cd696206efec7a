// Property test: thousands of random documents (a fixed seed, so a failure is reproducible) must
// keep every invariant the POS relies on when it persists the figures, and a document with every
// quantity negated must price to exactly the negated figures.
import { describe, expect, it } from 'vitest';
import { priceDocument, type DiscountBreakdown, type PricedDocument } from './document.ts';
import type { DiscountInput, DocumentInput, LineInput, TaxRateInput } from './input.ts';
import {
  abs,
  add,
  compare,
  div,
  mul,
  ONE,
  parseDecimal,
  rational,
  sub,
  sum,
  type Rational,
} from './rational.ts';

/** mulberry32: a tiny deterministic PRNG, good enough to pick test data. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const chance = (p: number) => next() < p;
  return { int, pick, chance };
}

type Random = ReturnType<typeof prng>;

const RATES = ['0', '2.5', '5', '7', '8', '8.875', '9', '10', '12.345', '19', '20', '21', '33.3333'];

function randomDecimal(random: Random, maxWhole: number, maxDecimals: number): string {
  const decimals = random.int(0, maxDecimals);
  const whole = String(random.int(0, maxWhole));
  if (decimals === 0) return whole;
  return `${whole}.${String(random.int(0, 10 ** decimals - 1)).padStart(decimals, '0')}`;
}

function randomDiscount(random: Random, maxFixed: number): DiscountInput | undefined {
  if (random.chance(0.5)) return undefined;
  const discount: DiscountInput = {};
  if (random.chance(0.6)) discount.percent = random.chance(0.1) ? '100' : randomDecimal(random, 60, 2);
  if (random.chance(0.6)) discount.fixed = random.int(0, maxFixed);
  return discount;
}

function randomDocument(random: Random): DocumentInput {
  const taxRates: TaxRateInput[] = Array.from({ length: random.int(0, 4) }, (_, index) => ({
    id: `r${index}`,
    name: `Rate ${index}`,
    rate: random.chance(0.7) ? random.pick(RATES) : randomDecimal(random, 30, 3),
    inclusive: random.chance(0.5),
  }));
  const refund = random.chance(0.2);
  const lines: LineInput[] = Array.from({ length: random.int(0, 7) }, (_, index) => {
    let quantity: string | number = random.chance(0.7) ? random.int(-2, 6) : randomDecimal(random, 5, 3);
    if (refund && !String(quantity).startsWith('-')) {
      quantity = typeof quantity === 'number' ? -quantity : `-${quantity}`;
    } else if (random.chance(0.1) && typeof quantity === 'string') {
      quantity = `-${quantity}`;
    }
    const ids = taxRates.map((rate) => rate.id).filter(() => random.chance(0.5));
    if (random.chance(0.5)) ids.reverse();
    const line: LineInput = {
      id: `line-${index}`,
      quantity,
      unitPrice: random.chance(0.8) ? random.int(0, 20_000) : random.int(0, 5_000_000),
      taxRateIds: ids,
    };
    const discount = randomDiscount(random, 3_000);
    if (discount) line.discount = discount;
    return line;
  });
  const document: DocumentInput = {
    currency: random.pick(['USD', 'EUR', 'JPY', 'KWD', 'CHF']),
    rounding: { mode: random.pick(['half-even', 'half-up']), level: random.pick(['line', 'document']) },
    taxRates,
    lines,
  };
  const discount = randomDiscount(random, 10_000);
  if (discount) document.discount = discount;
  return document;
}

const negateQuantity = (quantity: string | number): string | number =>
  typeof quantity === 'number' ? -quantity : quantity.startsWith('-') ? quantity.slice(1) : `-${quantity}`;

function mirrored(priced: PricedDocument): PricedDocument {
  const negate = (value: number) => (value === 0 ? 0 : -value);
  const negateAll = <T extends object>(object: T): T =>
    Object.fromEntries(
      Object.entries(object).map(([key, value]) => [key, typeof value === 'number' ? negate(value) : value]),
    ) as T;
  return {
    ...priced,
    lines: priced.lines.map((line) => ({
      ...negateAll(line),
      unitPrice: line.unitPrice,
      quantity: /^0(\.0*)?$/.test(line.quantity) ? line.quantity : String(negateQuantity(line.quantity)),
      discounts: negateAll(line.discounts),
      taxes: line.taxes.map(negateAll),
    })),
    taxes: priced.taxes.map(negateAll),
    totals: { ...negateAll(priced.totals), discounts: negateAll(priced.totals.discounts) },
  };
}

const total = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const STEPS = ['itemPercent', 'orderPercent', 'itemFixed', 'orderFixed'] as const;
const steps = (discounts: DiscountBreakdown) => STEPS.map((step) => discounts[step]);
const sign = (value: number) => Math.sign(value) || 0;
const exact = (value: number) => rational(BigInt(value));
const HALF = rational(1n, 2n);
const within = (value: number, target: Rational, limit: Rational) =>
  compare(abs(sub(exact(value), target)), limit) <= 0;
const fraction = (rate: string) => {
  const decimal = parseDecimal(rate)!;
  return rational(decimal.value.num, decimal.value.den * 100n);
};

function checkInvariants(input: DocumentInput, priced: PricedDocument) {
  const { totals } = priced;
  const rates = new Map(input.taxRates.map((rate) => [rate.id, rate]));
  const lineTax = (line: PricedDocument['lines'][number], id: string) =>
    line.taxes.find(({ rateId }) => rateId === id)?.amount;

  // document totals
  expect(total(priced.lines.map((line) => line.total))).toBe(totals.total);
  expect(totals.net + totals.tax).toBe(totals.total);
  expect(totals.inclusiveTax + totals.additiveTax).toBe(totals.tax);
  expect(totals.subtotal - totals.discountTotal + totals.additiveTax).toBe(totals.total);
  expect(total(priced.lines.map((line) => line.gross))).toBe(totals.subtotal);
  expect(total(priced.lines.map((line) => line.net))).toBe(totals.net);
  expect(total(steps(totals.discounts))).toBe(totals.discountTotal);
  for (const step of STEPS) {
    expect(total(priced.lines.map((line) => line.discounts[step]))).toBe(totals.discounts[step]);
  }

  // per rate: the used rates, in document order, adding up to their lines
  const used = input.taxRates.filter((rate) => input.lines.some((line) => line.taxRateIds.includes(rate.id)));
  expect(priced.taxes.map(({ rateId }) => rateId)).toEqual(used.map(({ id }) => id));
  for (const rateTotal of priced.taxes) {
    const carrying = priced.lines.filter((line) => lineTax(line, rateTotal.rateId) !== undefined);
    expect(total(carrying.map((line) => lineTax(line, rateTotal.rateId)!))).toBe(rateTotal.tax);
    expect(total(carrying.map((line) => line.net))).toBe(rateTotal.taxableBase);
  }
  expect(total(priced.taxes.filter((rate) => rate.inclusive).map((rate) => rate.tax))).toBe(
    totals.inclusiveTax,
  );

  // per line
  const inclusiveExact = new Map<string, Rational[]>();
  const additiveExact = new Map<string, Rational[]>();
  priced.lines.forEach((line, index) => {
    const lineInput = input.lines[index]!;
    const inclusiveTaxes = line.taxes.filter(({ rateId }) => rates.get(rateId)!.inclusive);
    const amount = line.gross - line.discountTotal;
    expect(Number.isSafeInteger(line.total)).toBe(true);
    expect(line.net + line.taxTotal).toBe(line.total);
    expect(total(line.taxes.map(({ amount }) => amount))).toBe(line.taxTotal);
    expect(total(steps(line.discounts))).toBe(line.discountTotal);
    expect(line.net + total(inclusiveTaxes.map(({ amount }) => amount))).toBe(amount);
    expect(line.taxes.map(({ rateId }) => rateId)).toEqual(lineInput.taxRateIds);

    // the extended price is the rounded quantity x price
    const quantity = parseDecimal(String(lineInput.quantity))!.value;
    expect(within(line.gross, mul(quantity, exact(line.unitPrice)), HALF)).toBe(true);

    // discounts move toward zero and never past it
    expect([0, sign(line.gross)]).toContain(sign(amount));
    for (const part of steps(line.discounts)) expect([0, sign(line.gross)]).toContain(sign(part));

    // each tax is its exact value, rounded (line level) or shifted by less than a unit (document level)
    const inclusiveSum = sum(
      lineInput.taxRateIds
        .filter((id) => rates.get(id)!.inclusive)
        .map((id) => fraction(rates.get(id)!.rate)),
    );
    for (const { rateId, amount: tax } of line.taxes) {
      const rate = rates.get(rateId)!;
      const value = rate.inclusive
        ? div(mul(exact(amount), fraction(rate.rate)), add(ONE, inclusiveSum))
        : mul(exact(line.net), fraction(rate.rate));
      const exacts = rate.inclusive ? inclusiveExact : additiveExact;
      exacts.set(rateId, [...(exacts.get(rateId) ?? []), value]);
      const error = abs(sub(exact(tax), value));
      if (priced.rounding.level === 'line') expect(compare(error, HALF)).toBeLessThanOrEqual(0);
      else expect(compare(error, ONE)).toBeLessThan(0);
    }
  });
  if (priced.rounding.level === 'document') {
    for (const rateTotal of priced.taxes) {
      const exacts = (rateTotal.inclusive ? inclusiveExact : additiveExact).get(rateTotal.rateId)!;
      expect(within(rateTotal.tax, sum(exacts), HALF)).toBe(true);
    }
  }
}

describe('priceDocument properties', () => {
  const random = prng(20_260_424);
  const documents = Array.from({ length: 3000 }, () => randomDocument(random));

  it('keeps every invariant on 3000 random documents', () => {
    for (const input of documents) {
      try {
        checkInvariants(input, priceDocument(input));
      } catch (error) {
        throw new Error(`invariant broken for ${JSON.stringify(input)}`, { cause: error });
      }
    }
  });

  it('prices every mirrored document to the exact negative', () => {
    for (const input of documents) {
      const mirror = {
        ...input,
        lines: input.lines.map((line) => ({ ...line, quantity: negateQuantity(line.quantity) })),
      };
      expect(priceDocument(mirror), JSON.stringify(input)).toEqual(mirrored(priceDocument(input)));
    }
  });

  it('prices each line on its own when rounding per line without order discounts', () => {
    const independent = documents.filter((input) => input.rounding.level === 'line' && !input.discount);
    expect(independent.length).toBeGreaterThan(500);
    for (const input of independent) {
      const priced = priceDocument(input);
      input.lines.forEach((line, index) => {
        expect(priceDocument({ ...input, lines: [line] }).lines[0]).toEqual(priced.lines[index]);
      });
    }
  });
});
