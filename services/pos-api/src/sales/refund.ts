// What returning part of a sold line gives back, from the figures stored when it was sold (a
// finished sale is never priced again). Rounded cumulatively: a return gives back
// round(stored × returned-so-far ÷ sold) minus what earlier returns gave, per amount and per tax
// rate, half-even. Rounding each part on its own could give back more than was sold (8 units with
// 5 cents of tax, one by one: 1 cent each, 8 in all) and then a negative last part; cumulative
// rounding can never exceed the stored figure, and the part that completes a line gives back
// exactly what is left.

export interface LineFigures {
  /** Thousandths of a unit (quantities have up to 3 decimals). */
  quantity: bigint;
  gross: number;
  total: number;
  taxes: { taxRateId: string; code: string; amount: number; inclusive: boolean }[];
}

export interface RefundFigures {
  quantity: bigint;
  gross: number;
  discountTotal: number;
  net: number;
  taxTotal: number;
  total: number;
  taxes: { taxRateId: string; code: string; amount: number; inclusive: boolean }[];
}

function share(amount: number, part: bigint, whole: bigint): number {
  const numerator = BigInt(amount) * part;
  let quotient = numerator / whole;
  const remainder = numerator % whole;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice > whole || (twice === whole && quotient % 2n !== 0n)) quotient += numerator < 0n ? -1n : 1n;
  return Number(quotient);
}

/**
 * The refund for `quantity` (thousandths, positive) of `sold`, given what earlier returns of this
 * line already gave back (positive magnitudes; zeros for the first return).
 */
export function refundFor(sold: LineFigures, returned: LineFigures, quantity: bigint): RefundFigures {
  if (quantity <= 0n) throw new Error('a return quantity is positive');
  if (returned.quantity + quantity > sold.quantity) throw new Error('more than was sold');
  const returnedAfter = returned.quantity + quantity;
  const part = (stored: number, given: number) => share(stored, returnedAfter, sold.quantity) - given;
  const taxes = sold.taxes.map((tax) => ({
    ...tax,
    amount: part(tax.amount, returned.taxes.find((t) => t.taxRateId === tax.taxRateId)?.amount ?? 0),
  }));
  const total = part(sold.total, returned.total);
  const gross = part(sold.gross, returned.gross);
  const taxTotal = taxes.reduce((sum, tax) => sum + tax.amount, 0);
  const additive = taxes.filter((tax) => !tax.inclusive).reduce((sum, tax) => sum + tax.amount, 0);
  return {
    quantity,
    gross,
    // total = gross − discounts + additive taxes, as the pricing engine defines a line.
    discountTotal: gross + additive - total,
    net: total - taxTotal,
    taxTotal,
    total,
    taxes,
  };
}
