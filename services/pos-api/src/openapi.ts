// The OpenAPI document, made to tell the truth from the routes themselves. Each route declares what
// is particular to it (its schemas, the problem codes its handler and permission checks throw);
// `documentRoute` adds what every route of its kind shares, from the same facts the request
// lifecycle acts on: whether it is public (`config.public`, the tenancy plugin's rule), whether it
// takes input (validation), a body (JSON parsing) or is a write (a suspended tenant's refusal).
// openapi.test.ts calls the API and holds the document to what it answered.
import type { SwaggerOptions } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import {
  documentedProblemCodes,
  MISSING_HEADER_PROBLEMS,
  problemResponses,
  ProblemSchema,
  type ProblemCode,
} from './errors.ts';
import { TENANT_ROUTE_PREFIX } from './tenancy/plugin.ts';

export const BEARER_AUTH = 'bearerAuth';
const SIGNED_IN = [{ [BEARER_AUTH]: [] }];
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface RouteSchema {
  hide?: boolean;
  security?: Record<string, string[]>[];
  body?: unknown;
  querystring?: unknown;
  params?: unknown;
  headers?: { required?: string[] };
  response?: Record<string, unknown>;
  [MISSING_HEADER_EXTENSION]?: Record<string, ProblemCode>;
}

/** Operation extension: the code each required header's absence answers (errors.ts). */
export const MISSING_HEADER_EXTENSION = 'x-problem-when-header-missing';

/** The required headers of a route schema whose absence has its own code. */
function missingHeaderProblems(schema: RouteSchema): Record<string, ProblemCode> {
  return Object.fromEntries(
    (schema.headers?.required ?? []).flatMap((name) => {
      const code = MISSING_HEADER_PROBLEMS[name.toLowerCase()];
      return code ? [[name.toLowerCase(), code]] : [];
    }),
  );
}

/** Whether the route is answered without an access token: outside /v1, or `config.public`. */
export function isPublicRoute(route: Pick<RouteOptions, 'url' | 'config'>): boolean {
  return !route.url.startsWith(TENANT_ROUTE_PREFIX) || route.config?.public === true;
}

/** The codes any route of this kind can answer with, whatever its handler does. */
export function sharedProblemCodes(route: Pick<RouteOptions, 'url' | 'method' | 'config' | 'schema'>) {
  const schema = (route.schema ?? {}) as RouteSchema;
  const methods = [route.method].flat();
  const write = methods.some((method) => !READ_METHODS.has(method));
  const tenantScoped = route.url.startsWith(TENANT_ROUTE_PREFIX);
  const codes: ProblemCode[] = ['internal_error'];
  if (schema.body || schema.querystring || schema.params || schema.headers) codes.push('validation_failed');
  // Fastify parses a body on every write, with or without a body schema.
  if (write) codes.push('invalid_json', 'unsupported_media_type', 'body_too_large', 'bad_request');
  if (route.url.includes(':')) codes.push('url_too_long');
  if (tenantScoped) codes.push('tenant_required', 'tenant_mismatch', 'rate_limited', 'database_unavailable');
  if (!isPublicRoute(route)) codes.push('unauthenticated', 'token_expired');
  if (tenantScoped && write && route.config?.allowWhenReadOnly !== true) codes.push('tenant_read_only');
  codes.push(...Object.values(missingHeaderProblems(schema)));
  return codes;
}

/**
 * onRoute: the route's security requirement (public routes `security: []`, the others bearer) and
 * its error responses (its own codes plus the shared ones, grouped by status). A route whose
 * declared security contradicts `config.public` stops the boot: the document would lie.
 */
export function documentRoute(route: RouteOptions): void {
  const schema = route.schema as RouteSchema | undefined;
  if (!schema || schema.hide) return;
  const isPublic = isPublicRoute(route);
  const declared = schema.security;
  if (declared && (declared.length === 0) !== isPublic) {
    throw new Error(
      `${String(route.method)} ${route.url}: schema.security says ${declared.length === 0 ? 'public' : 'signed in'}, config.public says otherwise`,
    );
  }
  schema.security = isPublic ? [] : SIGNED_IN;

  const missing = missingHeaderProblems(schema);
  if (Object.keys(missing).length > 0) schema[MISSING_HEADER_EXTENSION] = missing;

  const codes = [...documentedProblemCodes(schema.response), ...sharedProblemCodes(route)];
  const others = Object.entries(schema.response ?? {}).filter(([, entry]) => !isProblemResponse(entry));
  schema.response = { ...Object.fromEntries(others), ...problemResponses(...codes) };
}

const isProblemResponse = (entry: unknown) =>
  typeof entry === 'object' &&
  entry !== null &&
  'content' in entry &&
  Object.hasOwn((entry as { content: object }).content, 'application/problem+json');

/**
 * Marks an operation whose body may be left out (every field optional; the route fills in `{}`).
 * @fastify/swagger documents every body as required; transformObject below says otherwise.
 */
export const OPTIONAL_BODY_EXTENSION = 'x-body-optional';

type OpenApiDocument = { paths?: Record<string, Record<string, Record<string, unknown>>> };

function optionalBodies(document: OpenApiDocument): OpenApiDocument {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      if (!operation[OPTIONAL_BODY_EXTENSION]) continue;
      delete operation[OPTIONAL_BODY_EXTENSION];
      const body = operation.requestBody as { required?: boolean } | undefined;
      if (body) body.required = false;
    }
  }
  return document;
}

export const swaggerOptions: SwaggerOptions = {
  transformObject: (document) =>
    'openapiObject' in document
      ? optionalBodies(document.openapiObject as OpenApiDocument)
      : document.swaggerObject,
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'CloudPOS POS API',
      version: '0.1.0',
      description:
        'The point-of-sale API of a CloudPOS tenant. Errors are application/problem+json (RFC 9457, the `Problem` ' +
        'schema) with a stable `code`: each operation lists the codes it can answer with, per status. Lists answer ' +
        '`{ items, next }`; pass `next` as `cursor` for the following page (null: the last page). Writes that must ' +
        'happen once take an `Idempotency-Key`; changes to a versioned resource take `If-Match`.',
    },
    tags: [
      { name: 'system', description: 'Health, readiness and metrics' },
      { name: 'staff', description: 'PIN sign-in, manager approvals, staff, tills and the audit log' },
      { name: 'stores', description: 'The tenant’s stores: open, rename, close' },
      { name: 'sales', description: 'Checkout (preview and commit), sales as committed, returns' },
      {
        name: 'catalog',
        description: 'Tax rates and categories, products, variants, prices, search, bulk upsert',
      },
      { name: 'payments', description: 'Signed events from the payment provider' },
      { name: 'telemetry', description: 'The till’s browser spans, into the platform’s traces' },
    ],
    // Signed in unless an operation says `security: []`.
    security: SIGNED_IN,
    components: {
      securitySchemes: {
        [BEARER_AUTH]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access token of a PIN sign-in on a till (POST /v1/auth/sign-in)',
        },
      },
      // Every code of errors.ts, generated from PROBLEM_CODES.
      // (A TypeBox schema is plain JSON Schema; the OpenAPI typings do not know TypeBox's types.)
      schemas: { Problem: ProblemSchema as object },
    },
  },
};
