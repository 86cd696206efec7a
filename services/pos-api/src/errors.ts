// Errors as RFC 9457 problem details with stable codes. Handlers throw ProblemError; everything
// else a client can cause (validation, unknown routes, bad JSON) is mapped here too, so a client
// mistake is never a 500.
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '@cloudpos/tenant-db';
import fp from 'fastify-plugin';
import { Type } from 'typebox';

export const PROBLEM_BASE = 'https://cloudpos.io/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  errors?: { path: string; message: string }[];
}

/** RFC 9457 extension members, e.g. the `action` an approval is required for. */
export type ProblemExtensions = Record<string, unknown>;

/**
 * Every stable problem code of the API, with its HTTP status and title: the one catalogue. Clients
 * switch on `code`; the title and detail are for people. Domains add theirs here; the OpenAPI
 * document's Problem schema lists them all (openapi.ts), so a new code is documented by adding it.
 */
export const PROBLEM_CODES = {
  // Tenancy
  // (A tenant that does not exist is answered as a real one without valid credentials: there is no
  // "no such tenant" code, so that nobody can list tenants by asking.)
  tenant_required: [400, 'The request names no tenant (host name or token)'],
  tenant_mismatch: [403, 'The request names a tenant other than the one it is for'],
  tenant_read_only: [403, 'The tenant is suspended: its data is read-only'],
  // Authentication
  unauthenticated: [401, 'Sign-in is required'],
  token_expired: [401, 'The access token has expired'],
  invalid_credentials: [401, 'The staff member or PIN is not valid'],
  device_not_recognized: [401, 'The till device is not registered, revoked, or its secret is wrong'],
  refresh_token_invalid: [401, 'The refresh token is not valid'],
  refresh_token_reused: [401, 'The refresh token was already used: every token of the sign-in is revoked'],
  pin_locked: [423, 'Too many wrong PINs: the staff member is locked out for a while'],
  // Authorization
  forbidden: [403, 'The signed-in staff member may not do this'],
  approval_required: [403, 'A manager approval is required'],
  approval_invalid: [403, 'The manager approval is unknown, used, expired, or for something else'],
  approval_not_permitted: [403, 'The approver may not approve this action'],
  approval_pin_invalid: [403, 'The approver or the approver’s PIN is not valid (the till stays signed in)'],
  setup_code_invalid: [403, 'The setup code is not valid'],
  // Staff and devices
  already_set_up: [409, 'The tenant already has staff: sign in as an owner instead'],
  staff_not_found: [404, 'No such staff member'],
  staff_code_taken: [409, 'Another staff member has this code'],
  last_owner: [409, 'The tenant must keep at least one active owner'],
  device_not_found: [404, 'No such till device'],
  pairing_code_invalid: [403, 'The pairing code is not valid'],
  pairing_code_expired: [410, 'The pairing code has expired: make a new one'],
  pairing_code_used: [409, 'The pairing code was already used: make a new one'],
  pairing_code_other_store: [409, 'The pairing code is for another store'],
  pairing_store_required: [
    409,
    'The tenant has several open stores: make the pairing code for one (storeId), or name it when pairing',
  ],
  store_not_found: [404, 'No such store'],
  store_code_taken: [409, 'Another store has this code'],
  store_closed: [409, 'The store is closed: it sells no more'],
  last_open_store: [409, 'A tenant keeps at least one open store'],
  // Payments
  payment_method_unavailable: [422, 'Card payments are not available: no payment provider is configured'],
  webhook_signature_invalid: [400, 'The webhook signature is missing, wrong or too old'],
  payment_rejected: [422, 'The payment provider refused the request'],
  payment_amount_not_supported: [422, 'The payment provider cannot take this amount in this currency'],
  payment_idempotency_conflict: [409, 'This payment was already started with other details'],
  card_reader_unavailable: [409, 'The card reader is offline or busy'],
  payment_provider_not_found: [404, 'The payment provider has no such payment, refund or reader'],
  payment_provider_unavailable: [503, 'The payment provider cannot be reached: try again shortly'],
  card_reader_simulation_off: [404, 'There is no simulated card reader here: card reader simulation is off'],
  // Sales and returns
  validation_failed: [400, 'The request is not valid'],
  idempotency_key_required: [
    400,
    'This request needs an Idempotency-Key header (a UUID the till makes per sale)',
  ],
  idempotency_key_reused: [422, 'The Idempotency-Key was already used for a different request'],
  item_not_found: [422, 'An item of the sale is not in the catalog'],
  item_not_priced: [422, 'An item of the sale has no price in the tenant currency'],
  pricing_invalid: [422, 'The sale cannot be priced'],
  tender_mismatch: [422, 'The tenders do not pay the sale'],
  tender_invalid: [422, 'A tender is not valid'],
  sale_not_found: [404, 'No such sale'],
  sale_not_open: [409, 'The sale is not parked'],
  sale_has_no_receipt: [409, 'Only a completed sale or return has a receipt'],
  email_invalid: [422, 'The e-mail address is not one valid address'],
  receipt_mail_rate_limited: [429, 'Too many receipt e-mails from this till or this tenant: try again later'],
  receipt_mail_sale_limit: [409, 'This receipt was already e-mailed as often as one receipt may be'],
  sale_not_refundable: [409, 'Only completed sales can be returned'],
  refund_exceeds_sold: [409, 'That is more than can still be returned'],
  invalid_cursor: [400, 'The page cursor is not valid'],
  invalid_period: [400, 'The period is not valid: `from` must be before `to`, at most 366 days apart'],
  receipt_number_taken: [409, 'Another sale of this register already has this receipt number'],
  receipt_number_invalid: [422, 'The receipt number skips too far ahead of the register’s last one'],
  // Catalog (catalog/problems.ts throws them with field errors)
  // Optimistic concurrency (ETag / If-Match)
  precondition_required: [428, 'The request must carry If-Match with the ETag of the version it changes'],
  version_conflict: [412, 'The resource changed since that version was read: read it again'],
  // Not found
  tax_rate_not_found: [404, 'No such tax rate'],
  tax_category_not_found: [404, 'No such tax category'],
  category_not_found: [404, 'No such category'],
  product_not_found: [404, 'No such product'],
  variant_not_found: [404, 'No such variant'],
  price_not_found: [404, 'No such price'],
  barcode_not_found: [404, 'No variant has this barcode'],
  // A body names something that does not exist (errors[] says where)
  unknown_reference: [422, 'The request refers to something that does not exist'],
  conflicting_input: [422, 'The request gives the same SKU, barcode, external id or price twice'],
  // Uniqueness
  tax_rate_code_taken: [409, 'Another tax rate has this code'],
  tax_category_code_taken: [409, 'Another tax category has this code'],
  sku_taken: [409, 'Another variant has this SKU'],
  barcode_taken: [409, 'Another variant has this barcode'],
  external_id_taken: [409, 'Another product has this external id'],
  price_exists: [409, 'The variant already has a price for this currency and store'],
  // Deletion and structure
  tax_rate_in_use: [409, 'Tax categories use this tax rate: remove it from them or deactivate it'],
  tax_category_in_use: [409, 'Products use this tax category'],
  category_has_children: [409, 'The category has subcategories'],
  category_cycle: [409, 'A category cannot be inside itself'],
  product_sold: [409, 'The product was sold or has stock history: deactivate it instead (active: false)'],
  variant_sold: [409, 'The variant was sold or has stock history: deactivate it instead (active: false)'],
  last_variant: [409, 'A product keeps at least one variant: delete the product instead'],
  // Search, pages, bulk
  batch_too_large: [413, 'Too many items in one bulk call'],
  bulk_invalid: [422, 'Items of the bulk call are not valid: nothing was written'],
  // Platform
  till_not_built: [503, 'The till app is not built on this server'],
  events_unavailable: [503, 'The tenant’s events cannot be reached from this server now'],
  rate_limited: [429, 'Too many requests'],
  database_unavailable: [
    503,
    'The database is unavailable for a moment: retry with the same Idempotency-Key',
  ],
  // The request as a whole (answered before any route runs; `validation_failed` covers the fields:
  // every string and number is also checked for NUL, unpaired surrogates and non-finite values,
  // see validation.ts)
  route_not_found: [404, 'No such route'],
  invalid_url: [400, 'The URL is not valid: bad percent-encoding'],
  url_too_long: [414, 'A path segment of the URL is too long'],
  invalid_json: [400, 'The body is not valid JSON (or is empty while the content type says JSON)'],
  unsupported_media_type: [415, 'The body must be application/json'],
  body_too_large: [413, 'The body is too large'],
  bad_request: [400, 'The request could not be processed'],
  internal_error: [500, 'Internal server error'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export const PROBLEM_CODE_LIST = Object.keys(PROBLEM_CODES) as ProblemCode[];

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEM_CODES, code);

/**
 * The problem body (RFC 9457) whose `code` is one of `codes`; extension members pass through. With
 * every code it is the document's shared `Problem` schema; an operation's error responses narrow
 * `code` to the ones it can answer with.
 */
export function problemSchema(codes: readonly string[] = PROBLEM_CODE_LIST) {
  return Type.Object(
    {
      type: Type.String({ description: `${PROBLEM_BASE}<code with - for _>` }),
      title: Type.String(),
      status: Type.Integer(),
      // An enum of strings: Type.Unsafe because TypeBox's String options have no `enum`.
      code: Type.Unsafe<string>({
        type: 'string',
        enum: [...codes],
        description: 'Stable machine-readable code; clients switch on it',
      }),
      detail: Type.Optional(Type.String()),
      instance: Type.Optional(Type.String()),
      errors: Type.Optional(
        Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
          description: 'validation_failed, bulk_invalid: each field that is wrong (a JSON pointer)',
        }),
      ),
    },
    { additionalProperties: true, title: 'Problem' },
  );
}

export const ProblemSchema = problemSchema();

/**
 * The error responses of a route, from the codes it can answer with (application/problem+json, one
 * entry per status, `code` narrowed to that status' codes). Routes name their own codes; the codes
 * every route of its kind can answer (validation, sign-in, tenancy...) are added by openapi.ts.
 */
export function problemResponses(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEM_CODES[code][0];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      status,
      {
        description: `Problem: ${statusCodes.map((code) => `\`${code}\``).join(', ')}`,
        content: { 'application/problem+json': { schema: problemSchema(statusCodes) } },
      },
    ]),
  );
}

/** The codes of error responses made by problemResponses (what a route schema declares). */
export function documentedProblemCodes(response: Record<string, unknown> | undefined): ProblemCode[] {
  const codes: ProblemCode[] = [];
  for (const entry of Object.values(response ?? {})) {
    const schema = (entry as { content?: Record<string, { schema?: { properties?: { code?: unknown } } }> })
      .content?.['application/problem+json']?.schema;
    const values = (schema?.properties?.code as { enum?: unknown[] } | undefined)?.enum ?? [];
    codes.push(
      ...values.filter((value): value is ProblemCode => typeof value === 'string' && isProblemCode(value)),
    );
  }
  return codes;
}

export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    title: string,
    detail?: string,
    options: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? title);
    this.status = status;
    this.code = code;
    this.title = title;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }
}

/** A ProblemError for one of the catalogued codes: `throw problem('forbidden', 'only owners ...')`. */
export function problem(
  code: ProblemCode,
  detail?: string,
  options?: { extensions?: Record<string, unknown>; headers?: Record<string, string> },
): ProblemError {
  const [status, title] = PROBLEM_CODES[code];
  return new ProblemError(status, code, title, detail, options);
}

export function sendProblem(
  reply: FastifyReply,
  problem: Omit<Problem, 'type'> & ProblemExtensions,
): FastifyReply {
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(problem.status).type('application/problem+json').send(problemDocument(problem));
}

/**
 * Fastify's own client errors (raised before a handler runs) as catalogued codes: the code is the
 * contract, Fastify's FST_ERR_* names are not.
 */
const FRAMEWORK_PROBLEMS: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_BAD_URL: 'invalid_url',
  FST_ERR_INVALID_URL: 'invalid_url',
  FST_ERR_MAX_PARAM_LENGTH: 'url_too_long',
};

function sendCatalogued(reply: FastifyReply, code: ProblemCode, detail?: string): FastifyReply {
  const [status, title] = PROBLEM_CODES[code];
  return sendProblem(reply, { status, code, title, ...(detail ? { detail } : {}) });
}

/** Client errors Fastify raises outside the request lifecycle (bad URL, path segment too long). */
export function frameworkErrorHandler(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  sendCatalogued(reply, FRAMEWORK_PROBLEMS[error.code] ?? 'bad_request', error.message);
}

/**
 * Headers a route's schema requires whose absence has its own code: the client's fix is to send
 * that header, not to correct a field. Other missing headers are validation_failed.
 */
export const MISSING_HEADER_PROBLEMS: Readonly<Record<string, ProblemCode>> = {
  'idempotency-key': 'idempotency_key_required',
  'if-match': 'precondition_required',
};

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * Ajv's issues as `{ path, message }`. A choice between fixed values (a union of literals, an enum)
 * is one message listing them ("must be one of: html, text, escpos") instead of one "must be equal
 * to constant" per value and an "anyOf" that says nothing.
 */
export function validationErrors(issues: readonly ValidationIssue[]): { path: string; message: string }[] {
  const allowed = new Map<string, unknown[]>();
  for (const issue of issues) {
    const values =
      issue.keyword === 'const'
        ? [issue.params.allowedValue]
        : issue.keyword === 'enum'
          ? issue.params.allowedValues
          : [];
    if (Array.isArray(values) && values.length > 0)
      allowed.set(issue.instancePath, [...(allowed.get(issue.instancePath) ?? []), ...(values as unknown[])]);
  }
  const errors: { path: string; message: string }[] = [];
  for (const issue of issues) {
    const path = issue.instancePath || '/';
    const choices = allowed.get(issue.instancePath);
    if (choices && ['const', 'enum', 'anyOf'].includes(issue.keyword)) {
      const message = `must be one of: ${choices.map((value) => String(value)).join(', ')}`;
      if (!errors.some((error) => error.path === path && error.message === message))
        errors.push({ path, message });
      continue;
    }
    errors.push({ path, message: issue.message ?? 'invalid' });
  }
  return errors;
}

async function problemDetails(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) =>
    sendCatalogued(reply, 'route_not_found', `${request.method} ${request.url.split('?')[0]} does not exist`),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) {
      reply.headers(error.headers);
      return sendProblem(reply, problemBodyOf(error));
    }
    if (error.validation) {
      if (error.validationContext === 'headers') {
        const missing = error.validation
          .filter((issue) => issue.keyword === 'required')
          .map((issue) => MISSING_HEADER_PROBLEMS[String(issue.params.missingProperty)])
          .find((code) => code !== undefined);
        if (missing) return sendCatalogued(reply, missing);
      }
      const errors = validationErrors(error.validation);
      return sendProblem(reply, {
        status: 400,
        code: 'validation_failed',
        title: 'The request is not valid',
        detail: errors.map((issue) => `${issue.path} ${issue.message}`).join('; '),
        errors,
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (malformed JSON, body too large, unsupported media type...).
      const fallback = status === 404 ? 'route_not_found' : 'bad_request';
      return sendCatalogued(reply, FRAMEWORK_PROBLEMS[error.code] ?? fallback, error.message);
    }
    const answer = serverProblemOf(error, request.log);
    if (answer.code === 'database_unavailable') reply.header('retry-after', '1');
    return sendProblem(reply, answer);
  });
}

/** The problem a thrown ProblemError answers with (its extensions as members). */
export function problemBodyOf(error: ProblemError): Omit<Problem, 'type'> & ProblemExtensions {
  return {
    ...error.extensions,
    status: error.status,
    code: error.code,
    title: error.title,
    detail: error.message,
  };
}

/**
 * What an error that is no client mistake answers with, logged: `database_unavailable` when only the
 * connection died (the Idempotency-Key makes the retry safe), else `internal_error`.
 */
export function serverProblemOf(
  error: unknown,
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>,
): Omit<Problem, 'type'> & { code: 'database_unavailable' | 'internal_error' } {
  const code = isDatabaseUnavailable(error) ? 'database_unavailable' : 'internal_error';
  if (code === 'database_unavailable') log.warn({ err: error }, 'database unavailable');
  else log.error({ err: error }, 'unhandled error');
  const [status, title] = PROBLEM_CODES[code];
  return { status, code, title };
}

/** Any thrown error as the problem it answers with (see the app's error handler). */
export function problemOf(
  error: unknown,
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>,
): Omit<Problem, 'type'> & ProblemExtensions {
  return error instanceof ProblemError ? problemBodyOf(error) : serverProblemOf(error, log);
}

/** The body of a problem as sendProblem sends it (with its `type`). */
export function problemDocument(
  problem: Omit<Problem, 'type'> & ProblemExtensions,
): Problem & ProblemExtensions {
  return { type: `${PROBLEM_BASE}${problem.code.replaceAll('_', '-')}`, ...problem };
}

export const problemDetailsPlugin = fp(problemDetails, { name: 'problem-details', fastify: '5.x' });
