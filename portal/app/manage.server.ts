// Guards and error answers of the store-management pages: the signed-in user, the tenant's POS API
// as that user (ADR 0015), and the API's problems turned into messages a merchant reads.
import { data, type RouterContextProvider } from 'react-router';
import type { StoreAccess } from '../src/pos/access.ts';
import type { PosApiError } from '../src/pos/client.ts';
import type { PortalUser } from '../src/accounts.ts';
import { invalid } from './action-errors.server.ts';
import { requireUser, servicesOf } from './guards.server.ts';

export async function requireStore(
  context: Readonly<RouterContextProvider>,
  request: Request,
  slug: string | undefined,
): Promise<StoreAccess & { user: PortalUser }> {
  const user = await requireUser(context, request);
  try {
    return { user, ...(await servicesOf(context).storeAccess(user, slug ?? '')) };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'not_found') throw data('No such store in your account.', { status: 404 });
    if (code === 'not_ready') throw data((error as Error).message, { status: 409 });
    throw error;
  }
}

const isPosApiError = (error: unknown): error is PosApiError =>
  error instanceof Error && error.name === 'PosApiError';

/** What the API's stable codes mean for a person using the portal. */
const MESSAGES: Record<string, string> = {
  forbidden: 'Your role cannot do this. Ask an owner of the account.',
  tenant_read_only: 'This store is suspended: nothing can be changed until the subscription is paid.',
  store_code_taken: 'Another store has this code.',
  last_open_store: 'A business keeps at least one open store.',
  store_closed: 'That store is closed: move registers to an open store.',
  store_not_found: 'That store no longer exists. Reload the page.',
  device_not_found: 'That register no longer exists. Reload the page.',
  sku_taken: 'Another product has this SKU.',
  barcode_taken: 'Another product has this barcode.',
  product_not_found: 'That product no longer exists.',
  staff_code_taken: 'Another staff member has this code.',
  staff_not_found: 'That staff member no longer exists. Reload the page.',
  last_owner: 'The business must keep at least one active owner.',
  tax_rate_code_taken: 'Another tax rate has this code.',
  tax_category_code_taken: 'Another tax category has this code.',
  rate_limited: 'Too many changes at once. Wait a minute and try again.',
  pos_api_unreachable: 'The store’s system cannot be reached right now. Try again in a minute.',
};

/** The field a code belongs to, so the message shows next to it. */
const FIELDS: Record<string, string> = {
  store_code_taken: 'code',
  sku_taken: 'sku',
  staff_code_taken: 'code',
  tax_rate_code_taken: 'code',
  tax_category_code_taken: 'code',
};

/**
 * An action's answer to a refused API call: the form again with a message (the API's status for
 * client mistakes; 503 when the API is unreachable or failed). Anything else is rethrown.
 */
export function fromPosApiError(
  error: unknown,
  values: Record<string, string> = {},
  /** Words that fit this page better than the shared ones, by code. */
  messages: Record<string, string> = {},
) {
  if (!isPosApiError(error)) throw error;
  const message = posApiMessage(error, messages);
  const status = error.status >= 500 ? 503 : error.status;
  return invalid({ [FIELDS[error.code] ?? 'form']: message }, values, status);
}

/** What a refused API call means for a person using the portal. */
export function posApiMessage(error: PosApiError, messages: Record<string, string> = {}): string {
  return (
    messages[error.code] ??
    MESSAGES[error.code] ??
    (error.status < 500
      ? `${error.message}${error.detail ? `: ${error.detail}` : ''}`
      : 'The store’s system had a problem. Try again in a minute.')
  );
}

/**
 * An action's answer to a change the API refused because what it changes was saved by someone else
 * since the page read it (412 version_conflict): the page, read again, shows it as it is now.
 */
export function changedMeanwhile(what: string, values: Record<string, string>) {
  return invalid(
    { form: `Someone else changed ${what} meanwhile. The page now shows it as it is: try again.` },
    values,
    412,
  );
}

/** A loader's answer to a refused API call: the error page with a message, never a raw 500. */
export function loaderError(error: unknown): never {
  if (!isPosApiError(error)) throw error;
  if (error.status === 404) throw data('Not found in this store.', { status: 404 });
  throw data(MESSAGES[error.code] ?? 'The store’s system had a problem. Try again in a minute.', {
    status: error.status >= 500 ? 503 : error.status,
  });
}

export { isPosApiError };
