// @cloudpos/pricing: the pure tax and pricing engine shared by the POS API and the offline till.
// No I/O, no runtime dependencies, no Node APIs: the same code runs in the browser. The rules are
// written down in ../README.md.
export { cashRound, type CashRounding } from './cash.ts';
export { CURRENCY_EXPONENTS, currencyExponent, formatMinorUnits } from './currency.ts';
export {
  priceDocument,
  type DiscountBreakdown,
  type DocumentTotals,
  type LineTax,
  type PricedDocument,
  type PricedLine,
  type RateTotal,
} from './document.ts';
export { PRICING_ERROR_CODES, PricingError, type PricingErrorCode } from './errors.ts';
export {
  validateDocument,
  type DiscountInput,
  type DocumentInput,
  type LineInput,
  type RoundingLevel,
  type RoundingPolicy,
  type TaxRateInput,
} from './input.ts';
export type { RoundingMode } from './rounding.ts';
