// Plain words for the problems the API answers with (by their stable code), for the cashier.
import { ApiError, OfflineError } from './api.ts';

const MESSAGES: Record<string, string> = {
  invalid_credentials: 'That staff code or PIN is not right. Please try again.',
  pin_locked: 'Too many wrong PINs. This staff member is locked for a while; a manager can unlock them.',
  device_not_recognized:
    'This register is not recognised: it was unpaired or revoked on the server. A manager must pair it again.',
  forbidden: 'You are not allowed to do this.',
  approval_pin_invalid: 'That manager code or PIN is not right.',
  approval_not_permitted: 'This person may not approve that.',
  approval_invalid: 'The approval has expired. Ask the manager again.',
  approval_required: 'A manager must approve this sale.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
  item_not_found: 'An item of the sale is no longer in the catalog.',
  item_not_priced: 'An item of the sale has no price.',
  tender_mismatch: 'The payment does not match the total.',
  store_closed: 'This store is closed and cannot sell.',
  tenant_read_only: 'This account is suspended: selling is not possible right now.',
  token_expired: 'Your sign-in has expired. Please sign in again.',
  unauthenticated: 'Please sign in again.',
  refresh_token_invalid: 'Your sign-in has expired. Please sign in again.',
  setup_code_invalid:
    'That setup code is not right. Copy it again from the portal, where your new account shows it.',
  already_set_up:
    'This account is already set up. Ask an owner or a manager for a pairing code, and pair with it instead.',
  pairing_code_invalid: 'That pairing code is not right. Check it and try again.',
  pairing_code_expired: 'That pairing code has expired (a code lasts 10 minutes). Ask for a new one.',
  pairing_code_used: 'That pairing code was already used. Ask for a new one.',
  pairing_code_other_store: 'That pairing code is for another store.',
  pairing_store_required:
    'This account has several stores: ask for a pairing code made for the store this register is in.',
  sale_not_found: 'No sale has this receipt number. Check it, or scan the barcode on the receipt.',
  sale_not_refundable: 'Only a completed sale can be returned.',
  refund_exceeds_sold: 'That is more than can still be returned from this sale.',
  sale_not_open: 'That sale is no longer parked: another register finished or discarded it.',
  receipt_number_taken: 'The server already has a sale with this receipt number.',
  payment_method_unavailable: 'This account does not take card payments. Take cash or another payment.',
  card_reader_unavailable: 'The card reader is offline or busy. Check the reader, or take another payment.',
  payment_provider_unavailable:
    'The card payment service cannot be reached right now. Try again in a moment, or take another payment.',
  payment_rejected: 'The card payment service refused this payment. Take another payment.',
  payment_amount_not_supported: 'A card cannot pay this amount in this currency. Take another payment.',
  payment_idempotency_conflict: 'This card payment was already started with other details. Start it again.',
  payment_provider_not_found: 'The card payment service does not know this payment or reader.',
  card_reader_simulation_off: 'The simulated card reader is switched off on the server.',
  tender_invalid: 'A card payment of this sale did not go through. Take that amount another way.',
};

export function describeError(error: unknown): string {
  if (error instanceof OfflineError) return 'The server cannot be reached. Check the network and try again.';
  if (error instanceof ApiError) return MESSAGES[error.code] ?? error.message;
  return error instanceof Error ? error.message : String(error);
}
