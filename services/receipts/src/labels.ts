// The receipt's own words, by the language of its locale. Names of products, taxes and tenders
// come from the tenant's data; these are only the fixed captions. A language without a table here
// gets English: add a table to print in another one.

export interface ReceiptLabels {
  receipt: string;
  /** The heading of a return receipt. */
  return: string;
  originalReceipt: string;
  date: string;
  till: string;
  cashier: string;
  taxId: string;
  item: string;
  quantity: string;
  unitPrice: string;
  amount: string;
  /** A line's discount when the sale did not record what it was called. */
  discount: string;
  subtotal: string;
  discounts: string;
  total: string;
  cashRounding: string;
  payments: string;
  cash: string;
  card: string;
  external: string;
  tendered: string;
  change: string;
  taxes: string;
  taxCode: string;
  rate: string;
  net: string;
  tax: string;
  gross: string;
  /** Marks a tax that is included in the prices. */
  inclusive: string;
}

const EN: ReceiptLabels = {
  receipt: 'Receipt',
  return: 'RETURN',
  originalReceipt: 'Original receipt',
  date: 'Date',
  till: 'Till',
  cashier: 'Cashier',
  taxId: 'Tax ID',
  item: 'Item',
  quantity: 'Qty',
  unitPrice: 'Price',
  amount: 'Amount',
  discount: 'Discount',
  subtotal: 'Subtotal',
  discounts: 'Discounts',
  total: 'TOTAL',
  cashRounding: 'Cash rounding',
  payments: 'Payments',
  cash: 'Cash',
  card: 'Card',
  external: 'Other',
  tendered: 'Tendered',
  change: 'Change',
  taxes: 'Taxes',
  taxCode: 'Tax',
  rate: 'Rate',
  net: 'Net',
  tax: 'Tax',
  gross: 'Gross',
  inclusive: 'incl.',
};

const DE: ReceiptLabels = {
  receipt: 'Beleg',
  return: 'RÜCKGABE',
  originalReceipt: 'Originalbeleg',
  date: 'Datum',
  till: 'Kasse',
  cashier: 'Kassierer',
  taxId: 'USt-IdNr.',
  item: 'Artikel',
  quantity: 'Menge',
  unitPrice: 'Preis',
  amount: 'Betrag',
  discount: 'Rabatt',
  subtotal: 'Zwischensumme',
  discounts: 'Rabatte',
  total: 'SUMME',
  cashRounding: 'Rundung',
  payments: 'Zahlungen',
  cash: 'Bar',
  card: 'Karte',
  external: 'Sonstige',
  tendered: 'Gegeben',
  change: 'Rückgeld',
  taxes: 'Steuern',
  taxCode: 'MwSt',
  rate: 'Satz',
  net: 'Netto',
  tax: 'Steuer',
  gross: 'Brutto',
  inclusive: 'inkl.',
};

const BY_LANGUAGE: Readonly<Record<string, ReceiptLabels>> = { en: EN, de: DE };

/** The captions for a BCP 47 locale: its language's table, or English. */
export function labelsFor(locale: string): ReceiptLabels {
  let language = 'en';
  try {
    language = new Intl.Locale(locale).language;
  } catch {
    // An invalid locale is reported where it is formatted; the words fall back to English.
  }
  return (Object.hasOwn(BY_LANGUAGE, language) ? BY_LANGUAGE[language] : undefined) ?? EN;
}
