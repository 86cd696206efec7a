// Coded errors the portal shows to people. `message` is safe to show: never a secret, never SQL.
export type PortalErrorCode =
  | 'email_taken'
  | 'invalid_credentials'
  | 'rate_limited'
  | 'invalid_token'
  | 'email_not_verified'
  | 'slug_taken'
  | 'billing_unavailable'
  | 'no_subscription'
  | 'not_found'
  | 'forbidden'
  | 'not_ready'
  | 'already_member'
  | 'last_owner';

export class PortalError extends Error {
  override name = 'PortalError';
  readonly code: PortalErrorCode;
  /** The form field the error belongs to, if any. */
  readonly field: string | undefined;
  constructor(code: PortalErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}
