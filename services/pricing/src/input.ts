// The input of priceDocument, and the one place that checks it. The POS API validates request
// shapes with its schemas too, but the till runs this engine offline on data it built itself, so
// the engine never trusts its input: every mistake becomes a PricingError with a stable code.
import { currencyExponent } from './currency.ts';
import { PricingError } from './errors.ts';
import { compare, parseDecimal, rational, type Rational } from './rational.ts';
import { ROUNDING_MODES, type RoundingMode } from './rounding.ts';

/** `line`: tax rounded per line and rate, then summed. `document`: rounded once per rate over the document. */
export type RoundingLevel = 'line' | 'document';

export const ROUNDING_LEVELS: readonly RoundingLevel[] = ['line', 'document'];

export interface RoundingPolicy {
  mode: RoundingMode;
  level: RoundingLevel;
}

export interface TaxRateInput {
  id: string;
  /** What the receipt prints, e.g. "VAT 19%" or "NY State". */
  name: string;
  /** Percent as decimal text: "19", "8.875". Text, never a float, so that it is exact. */
  rate: string;
  /** true: the unit price already contains this tax. false: the tax is added on top. */
  inclusive: boolean;
}

export interface DiscountInput {
  /** Percent off as decimal text, 0–100: "10", "12.5". */
  percent?: string;
  /** Amount off in minor units (a magnitude: it reduces a return line's refund the same way). */
  fixed?: number;
}

export interface LineInput {
  /** The till's line id; unique within the document. */
  id: string;
  /** Decimal text with up to 3 decimals ("1.250" kg) or an integer; negative for returned items. */
  quantity: string | number;
  /** Price of one unit in minor units, tax-inclusive when the line has an inclusive rate. */
  unitPrice: number;
  /** Ids of the document's tax rates that apply to this line; several are allowed. */
  taxRateIds: string[];
  discount?: DiscountInput;
}

export interface DocumentInput {
  /** ISO 4217 code. */
  currency: string;
  /** The tenant's rounding policy. */
  rounding: RoundingPolicy;
  taxRates: TaxRateInput[];
  lines: LineInput[];
  /** Order-level discounts, spread over the lines. */
  discount?: DiscountInput;
}

export interface ParsedTaxRate {
  id: string;
  name: string;
  rate: string;
  /** The rate as a fraction: "19" → 19/100. */
  fraction: Rational;
  inclusive: boolean;
}

export interface ParsedDiscount {
  /** Fraction 0–1, or undefined when absent. */
  percent: Rational | undefined;
  /** Magnitude in minor units, or undefined when absent. */
  fixed: bigint | undefined;
}

export interface ParsedLine {
  id: string;
  quantity: Rational;
  quantityText: string;
  unitPrice: bigint;
  taxRates: ParsedTaxRate[];
  discount: ParsedDiscount;
}

export interface ParsedDocument {
  currency: string;
  rounding: RoundingPolicy;
  taxRates: ParsedTaxRate[];
  lines: ParsedLine[];
  discount: ParsedDiscount;
}

export const MAX_QUANTITY_DECIMALS = 3;
const MAX_QUANTITY_DIGITS = 12;
const MAX_RATE_DECIMALS = 6;
const HUNDRED: Rational = { num: 100n, den: 1n };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value)) throw new PricingError('invalid_document', 'must be an object', path);
  return value;
}

function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new PricingError('invalid_document', 'must be an array', path);
  return value;
}

function requireId(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new PricingError('invalid_document', 'must be a non-empty string', path);
  }
  return value;
}

function parseTaxRate(value: unknown, path: string): ParsedTaxRate {
  const input = requireObject(value, path);
  const id = requireId(input.id, `${path}.id`);
  if (typeof input.name !== 'string')
    throw new PricingError('invalid_document', 'must be a string', `${path}.name`);
  if (typeof input.inclusive !== 'boolean') {
    throw new PricingError('invalid_document', 'must be true or false', `${path}.inclusive`);
  }
  const text = input.rate;
  const decimal = typeof text === 'string' ? parseDecimal(text) : undefined;
  if (decimal?.negative) {
    throw new PricingError(
      'negative_tax_rate',
      `tax rate must not be negative, got ${String(text)}`,
      `${path}.rate`,
    );
  }
  if (decimal === undefined || decimal.decimals > MAX_RATE_DECIMALS) {
    throw new PricingError(
      'invalid_tax_rate',
      `tax rate must be a percentage as decimal text with up to ${MAX_RATE_DECIMALS} decimals ("19", "8.875"), got ${JSON.stringify(text)}`,
      `${path}.rate`,
    );
  }
  return {
    id,
    name: input.name,
    rate: text as string,
    fraction: rational(decimal.value.num, decimal.value.den * 100n),
    inclusive: input.inclusive,
  };
}

function parsePercent(value: unknown, path: string): Rational {
  const decimal = typeof value === 'string' ? parseDecimal(value) : undefined;
  if (decimal === undefined || decimal.decimals > MAX_RATE_DECIMALS) {
    throw new PricingError(
      'invalid_percent',
      `percent must be decimal text with up to ${MAX_RATE_DECIMALS} decimals ("10", "12.5"), got ${JSON.stringify(value)}`,
      path,
    );
  }
  if (decimal.negative || compare(decimal.value, HUNDRED) > 0) {
    throw new PricingError(
      'percent_out_of_range',
      `percent must be between 0 and 100, got ${String(value)}`,
      path,
    );
  }
  return rational(decimal.value.num, decimal.value.den * 100n);
}

function parseDiscount(value: unknown, path: string): ParsedDiscount {
  if (value === undefined) return { percent: undefined, fixed: undefined };
  const input = requireObject(value, path);
  const percent = input.percent === undefined ? undefined : parsePercent(input.percent, `${path}.percent`);
  let fixed: bigint | undefined;
  if (input.fixed !== undefined) {
    if (typeof input.fixed !== 'number' || !Number.isSafeInteger(input.fixed)) {
      throw new PricingError(
        'invalid_discount_amount',
        `fixed discount must be an integer of minor units, got ${JSON.stringify(input.fixed)}`,
        `${path}.fixed`,
      );
    }
    if (input.fixed < 0) {
      throw new PricingError(
        'negative_discount_amount',
        `fixed discount is a magnitude and must not be negative, got ${input.fixed}`,
        `${path}.fixed`,
      );
    }
    fixed = BigInt(input.fixed);
  }
  return { percent, fixed };
}

function parseQuantity(value: unknown, path: string): { quantity: Rational; text: string } {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new PricingError(
        'invalid_quantity',
        `a quantity given as a number must be an integer; give fractions as decimal text ("1.25"), got ${value}`,
        path,
      );
    }
    return { quantity: rational(BigInt(value)), text: String(value) };
  }
  const decimal = typeof value === 'string' ? parseDecimal(value) : undefined;
  if (decimal === undefined || decimal.canonical.replace(/^-|\..*$/g, '').length > MAX_QUANTITY_DIGITS) {
    throw new PricingError(
      'invalid_quantity',
      `quantity must be decimal text or an integer with at most ${MAX_QUANTITY_DIGITS} integer digits, got ${JSON.stringify(value)}`,
      path,
    );
  }
  if (decimal.decimals > MAX_QUANTITY_DECIMALS) {
    throw new PricingError(
      'too_many_quantity_decimals',
      `quantity may have at most ${MAX_QUANTITY_DECIMALS} decimals, got ${JSON.stringify(value)}`,
      path,
    );
  }
  return { quantity: decimal.value, text: decimal.canonical };
}

function parseLine(value: unknown, path: string, ratesById: ReadonlyMap<string, ParsedTaxRate>): ParsedLine {
  const input = requireObject(value, path);
  const id = requireId(input.id, `${path}.id`);
  const { quantity, text } = parseQuantity(input.quantity, `${path}.quantity`);
  const price = input.unitPrice;
  if (typeof price !== 'number' || !Number.isSafeInteger(price)) {
    throw new PricingError(
      'invalid_unit_price',
      `unit price must be an integer of minor units, got ${JSON.stringify(price)}`,
      `${path}.unitPrice`,
    );
  }
  if (price < 0) {
    throw new PricingError(
      'negative_unit_price',
      `unit price must not be negative (a return is a negative quantity), got ${price}`,
      `${path}.unitPrice`,
    );
  }
  const taxRates = requireArray(input.taxRateIds, `${path}.taxRateIds`).map((rateId, index) => {
    const ratePath = `${path}.taxRateIds[${index}]`;
    const rate = ratesById.get(requireId(rateId, ratePath));
    if (rate === undefined) {
      throw new PricingError(
        'unknown_tax_rate',
        `no tax rate with id ${JSON.stringify(rateId)} in the document`,
        ratePath,
      );
    }
    return rate;
  });
  const seen = new Set<string>();
  taxRates.forEach((rate, index) => {
    if (seen.has(rate.id)) {
      throw new PricingError(
        'duplicate_line_tax_rate',
        `tax rate ${JSON.stringify(rate.id)} is listed twice on the line`,
        `${path}.taxRateIds[${index}]`,
      );
    }
    seen.add(rate.id);
  });
  return {
    id,
    quantity,
    quantityText: text,
    unitPrice: BigInt(price),
    taxRates,
    discount: parseDiscount(input.discount, `${path}.discount`),
  };
}

/** Checks a document and converts it into exact values; throws PricingError on the first problem. */
export function parseDocument(value: unknown): ParsedDocument {
  if (!isObject(value)) throw new PricingError('invalid_document', 'the document must be an object');
  const input = value;
  if (typeof input.currency !== 'string') {
    throw new PricingError('invalid_document', 'must be a string', 'currency');
  }
  currencyExponent(input.currency);
  const rounding = requireObject(input.rounding, 'rounding');
  if (!ROUNDING_MODES.includes(rounding.mode as RoundingMode)) {
    throw new PricingError(
      'invalid_rounding_mode',
      `rounding mode must be one of ${ROUNDING_MODES.join(', ')}, got ${JSON.stringify(rounding.mode)}`,
      'rounding.mode',
    );
  }
  if (!ROUNDING_LEVELS.includes(rounding.level as RoundingLevel)) {
    throw new PricingError(
      'invalid_rounding_level',
      `rounding level must be one of ${ROUNDING_LEVELS.join(', ')}, got ${JSON.stringify(rounding.level)}`,
      'rounding.level',
    );
  }

  const taxRates = requireArray(input.taxRates, 'taxRates').map((rate, index) =>
    parseTaxRate(rate, `taxRates[${index}]`),
  );
  const ratesById = new Map<string, ParsedTaxRate>();
  taxRates.forEach((rate, index) => {
    if (ratesById.has(rate.id)) {
      throw new PricingError(
        'duplicate_tax_rate',
        `tax rate id ${JSON.stringify(rate.id)} is defined twice`,
        `taxRates[${index}].id`,
      );
    }
    ratesById.set(rate.id, rate);
  });

  const lines = requireArray(input.lines, 'lines').map((line, index) =>
    parseLine(line, `lines[${index}]`, ratesById),
  );
  const lineIds = new Set<string>();
  lines.forEach((line, index) => {
    if (lineIds.has(line.id)) {
      throw new PricingError(
        'duplicate_line_id',
        `line id ${JSON.stringify(line.id)} is used twice`,
        `lines[${index}].id`,
      );
    }
    lineIds.add(line.id);
  });

  return {
    currency: input.currency,
    rounding: { mode: rounding.mode as RoundingMode, level: rounding.level as RoundingLevel },
    taxRates,
    lines,
    discount: parseDiscount(input.discount, 'discount'),
  };
}

/** Throws the PricingError priceDocument would throw for this input, if any. */
export function validateDocument(value: unknown): asserts value is DocumentInput {
  parseDocument(value);
}
