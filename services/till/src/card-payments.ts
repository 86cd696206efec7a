// Card payments through the tenant's payment provider, on a card reader at the counter: the till
// asks the API to start a payment for the sale being rung up (its Idempotency-Key names the sale),
// the reader reads the card and talks to the provider (card data never reaches the till or our
// servers), the till reads the outcome back, then commits the sale with a card tender carrying
// the provider's reference. Cards need the network: there is no card payment offline.
import { api, OfflineError } from './api.ts';
import type { TillDb } from './db.ts';

export interface CardReader {
  id: string;
  label: string;
  status: 'online' | 'offline';
  /** The provider's simulated reader (npm start): no real card, no real money. */
  simulated: boolean;
}

export interface CardReaders {
  /** Whether the tenant takes cards through a payment provider at all. */
  available: boolean;
  simulated: boolean;
  readers: CardReader[];
}

export interface CardPaymentState {
  providerRef: string;
  status: 'requires_payment_method' | 'requires_action' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  amount: number;
  currency: string;
  failure?: { code: string; declineCode?: string; message: string };
}

const CARD_READERS = 'cardReaders';

export const NEEDS_NETWORK =
  'Card payments need the network, and the server cannot be reached. Take cash or another payment, ' +
  'or try the card again when the register is back online.';

/**
 * The tenant's card readers as the server says now, remembered on the register so that, offline,
 * the tender screen still offers cards (and says why they cannot be taken). Undefined: never known.
 */
export async function cardReaders(db: TillDb, token: string): Promise<CardReaders | undefined> {
  try {
    const readers = await api<CardReaders>('/v1/sales/card-readers', { token });
    await db.put('meta', readers, CARD_READERS);
    return readers;
  } catch (error) {
    if (!(error instanceof OfflineError)) throw error;
    return (await db.get('meta', CARD_READERS)) as CardReaders | undefined;
  }
}

export function startCardPayment(
  token: string,
  payment: { saleKey: string; paymentId: string; amount: number; readerId: string },
): Promise<CardPaymentState> {
  return api<CardPaymentState>('/v1/sales/card-payments', { method: 'POST', token, body: payment });
}

export function cardPaymentNow(token: string, providerRef: string): Promise<CardPaymentState> {
  return api<CardPaymentState>(`/v1/sales/card-payments/${encodeURIComponent(providerRef)}`, { token });
}

export function cancelCardPayment(
  token: string,
  providerRef: string,
  attempt: { paymentId: string; readerId: string },
): Promise<CardPaymentState> {
  return api<CardPaymentState>(`/v1/sales/card-payments/${encodeURIComponent(providerRef)}/cancel`, {
    method: 'POST',
    token,
    body: attempt,
  });
}

/** The provider's test cards on the simulated reader (pos-api payments/provider.ts TEST_CARDS). */
export const TEST_CARDS = [
  { number: '4242424242424242', name: 'Visa •••• 4242', outcome: 'approved' },
  { number: '4000000000000002', name: 'Visa •••• 0002', outcome: 'declined' },
  { number: '4000000000009995', name: 'Visa •••• 9995', outcome: 'insufficient funds' },
] as const;

/** npm start's simulated reader: the customer taps one of the provider's test cards. */
export async function presentTestCard(token: string, readerId: string, number: string): Promise<void> {
  await api<void>(`/v1/sales/card-readers/${encodeURIComponent(readerId)}/test-card`, {
    method: 'POST',
    token,
    body: { testCard: number },
  });
}

/** Why the card did not pay, in words for the cashier (the provider's reason, never card data). */
export function declineMessage(failure: CardPaymentState['failure']): string {
  const next = 'Ask for another card, or take another payment.';
  const reason = failure?.declineCode ?? failure?.code;
  switch (reason) {
    case 'insufficient_funds':
      return `The card was declined: not enough funds. ${next}`;
    case 'expired_card':
      return `The card has expired. ${next}`;
    case 'incorrect_cvc':
    case 'incorrect_pin':
      return `The card was declined: the security code or PIN was wrong. ${next}`;
    case undefined:
      return `The card payment did not go through. ${next}`;
    default:
      return `The card was declined. ${next}`;
  }
}
