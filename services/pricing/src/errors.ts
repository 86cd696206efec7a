// One error type with stable codes, so that the POS API can map every bad input to an RFC 9457
// problem (the code becomes the problem type) and the till can show the same message offline.

/** Every code the engine can throw. Codes are part of the API: add new ones, never rename. */
export const PRICING_ERROR_CODES = [
  'invalid_document',
  'unknown_currency',
  'invalid_rounding_mode',
  'invalid_rounding_level',
  'invalid_tax_rate',
  'negative_tax_rate',
  'duplicate_tax_rate',
  'unknown_tax_rate',
  'duplicate_line_tax_rate',
  'duplicate_line_id',
  'invalid_quantity',
  'too_many_quantity_decimals',
  'invalid_unit_price',
  'negative_unit_price',
  'invalid_percent',
  'percent_out_of_range',
  'invalid_discount_amount',
  'negative_discount_amount',
  'amount_out_of_range',
  'invalid_amount',
  'invalid_cash_increment',
] as const;

export type PricingErrorCode = (typeof PRICING_ERROR_CODES)[number];

export class PricingError extends Error {
  readonly code: PricingErrorCode;
  /** Where in the input the problem is, as a JSON-ish path (`lines[2].quantity`), when it has a place. */
  readonly path: string | undefined;

  constructor(code: PricingErrorCode, message: string, path?: string) {
    super(path === undefined ? message : `${path}: ${message}`);
    this.name = 'PricingError';
    this.code = code;
    this.path = path;
  }
}
