import { data } from 'react-router';
import type { FieldErrors } from './forms.ts';
import type { PortalError } from '../src/errors.ts';

/** An action's answer to bad input: the form again, with messages by field, and 400 (or 429). */
export function invalid(errors: FieldErrors, values: Record<string, string> = {}, status = 400) {
  const { password: _password, ...safeValues } = values;
  return data({ errors, values: safeValues }, { status });
}

/** A PortalError as form errors (its message is written for people; nothing secret in it). */
export function fromPortalError(error: unknown, values: Record<string, string>) {
  if (!(error instanceof Error) || error.name !== 'PortalError') throw error;
  const portalError = error as PortalError;
  return invalid(
    { [portalError.field ?? 'form']: portalError.message },
    values,
    portalError.code === 'rate_limited'
      ? 429
      : portalError.code === 'not_found'
        ? 404
        : portalError.code === 'forbidden'
          ? 403
          : portalError.code === 'already_member' ||
              portalError.code === 'last_owner' ||
              portalError.code === 'no_subscription'
            ? 409
            : portalError.code === 'billing_unavailable'
              ? 503
              : 400,
  );
}
