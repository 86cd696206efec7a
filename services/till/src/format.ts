// Money in the tenant's currency, in the browser's language (the API has no tenant locale yet).
import { currencyExponent } from '@cloudpos/pricing';

const formatters = new Map<string, Intl.NumberFormat>();

export function formatMoney(minorUnits: number, currency: string, locale = navigator.language): string {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formatters.set(key, formatter);
  }
  return formatter.format(minorUnits / 10 ** currencyExponent(currency));
}

export function receiptLabel(storeCode: string, registerCode: string, number: number): string {
  return `${storeCode}-${registerCode}-${String(number).padStart(6, '0')}`;
}
