// Quantities as exact decimal text with up to 3 decimals ("2", "0.25"), computed in thousandths
// (bigint) so that no float ever rounds a quantity. Shared by sales, returns and inventory.

/** "2", "1.25", "-0.500" → thousandths. */
export function thousandths(quantity: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(quantity.trim());
  if (!match) throw new Error(`not a quantity: ${quantity}`);
  const value = BigInt(match[2]!) * 1000n + BigInt((match[3] ?? '').padEnd(3, '0') || '0');
  return match[1] ? -value : value;
}

export function quantityText(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  const fraction = (magnitude % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return `${sign}${magnitude / 1000n}${fraction ? `.${fraction}` : ''}`;
}
