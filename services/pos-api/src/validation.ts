// One rule for every string and every number a client sends, on every route (body, query string,
// path parameters, headers), enforced where requests are validated:
//
//   text     no NUL (PostgreSQL cannot store U+0000 in text or jsonb: the insert fails) and no
//            unpaired UTF-16 surrogate (not encodable as UTF-8: jsonb rejects it, the pg driver
//            silently turns it into U+FFFD, encodeURIComponent throws), and at most
//            DEFAULT_MAX_TEXT_LENGTH characters where the schema sets no maxLength of its own;
//   numbers  finite and within ±(2^53 − 1). Ajv's type coercion (on, for query strings and path
//            parameters) turns "Infinity", "-Infinity" and "1e999" into ±Infinity without checking
//            it again, and its number keywords (minimum, maximum) skip non-finite values, so
//            `limit=-Infinity` passed `minimum: 1, maximum: 100` and reached the SQL text, where
//            MikroORM inlines it as the bare word Infinity (read as a column). JSON's 1e999 parses
//            to Infinity too.
//
// Route schemas do not repeat this: an onRoute hook marks every string and number in a route's
// request schemas with the keywords below before Fastify compiles them, so a route added tomorrow
// is covered too. Failures are ordinary schema failures: 400 `validation_failed`, `errors[]`
// naming the field.
import type { RouteOptions } from 'fastify';

export const SAFE_TEXT_KEYWORD = 'x-safe-text';
export const SAFE_NUMBER_KEYWORD = 'x-safe-number';
/** Longest string accepted where a schema sets no maxLength (the longest field it sets is 5,000). */
export const DEFAULT_MAX_TEXT_LENGTH = 10_000;

export const SAFE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';
export const SAFE_NUMBER_MESSAGE = `must be a finite number between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;

/** Text PostgreSQL can store as sent: no U+0000, well-formed UTF-16. */
export function isSafeText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** A number that survives JSON, SQL and arithmetic unchanged: finite and a safe magnitude. */
export function isSafeNumber(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER;
}

interface KeywordError {
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

type KeywordValidator = ((schema: boolean, data: unknown) => boolean) & { errors?: KeywordError[] };

/** The part of Ajv's API this plugin uses (Fastify's compiler brings its own Ajv 8). */
interface KeywordRegistry {
  addKeyword(definition: {
    keyword: string;
    schemaType: 'boolean';
    errors: boolean;
    validate: KeywordValidator;
  }): unknown;
}

function keywordValidator(
  keyword: string,
  message: string,
  accepts: (data: unknown) => boolean,
): KeywordValidator {
  const validate: KeywordValidator = (enabled, data) => {
    if (!enabled || accepts(data)) return true;
    validate.errors = [{ keyword, message, params: {} }];
    return false;
  };
  return validate;
}

/**
 * Ajv plugin (app.ts passes it in `ajv.plugins`). The keywords declare no data type on purpose:
 * Ajv runs typed keywords only on finite numbers, so a typed number keyword would never see the
 * Infinity that coercion produced. Untyped ones run after coercion, on the coerced value.
 */
export function safeInputKeywords<Ajv extends KeywordRegistry>(ajv: Ajv): Ajv {
  ajv.addKeyword({
    keyword: SAFE_TEXT_KEYWORD,
    schemaType: 'boolean',
    errors: true,
    validate: keywordValidator(
      SAFE_TEXT_KEYWORD,
      SAFE_TEXT_MESSAGE,
      (data) => typeof data !== 'string' || isSafeText(data),
    ),
  });
  ajv.addKeyword({
    keyword: SAFE_NUMBER_KEYWORD,
    schemaType: 'boolean',
    errors: true,
    validate: keywordValidator(
      SAFE_NUMBER_KEYWORD,
      SAFE_NUMBER_MESSAGE,
      (data) => typeof data !== 'number' || isSafeNumber(data),
    ),
  });
  return ajv;
}

type Schema = Record<string | symbol, unknown>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const typesOf = (schema: Schema): unknown[] =>
  Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];

/** Keywords whose value is one schema, or a list or map of schemas. */
const ONE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
const MANY = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];
const MAP = ['properties', 'patternProperties', '$defs', 'definitions'];

/**
 * A copy of the schema with every string and number marked by the keywords above. Copies (spread
 * keeps TypeBox's symbol keys): route schemas share TypeBox objects, which must stay as written.
 */
export function withSafeInput(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  const copy: Schema = { ...schema };
  for (const key of ONE) if (key in copy) copy[key] = withSafeInput(copy[key]);
  for (const key of MANY) {
    if (Array.isArray(copy[key])) copy[key] = (copy[key] as unknown[]).map(withSafeInput);
  }
  for (const key of MAP) {
    if (isSchema(copy[key])) {
      copy[key] = Object.fromEntries(
        Object.entries(copy[key]).map(([name, property]) => [name, withSafeInput(property)]),
      );
    }
  }
  const types = typesOf(copy);
  if (types.includes('string')) {
    copy[SAFE_TEXT_KEYWORD] = true;
    if (copy.maxLength === undefined && copy.format === undefined) copy.maxLength = DEFAULT_MAX_TEXT_LENGTH;
  }
  if (types.includes('number') || types.includes('integer')) copy[SAFE_NUMBER_KEYWORD] = true;
  return copy;
}

const REQUEST_PARTS = ['body', 'querystring', 'params', 'headers'] as const;

/** onRoute hook: the route's request schemas, marked (response schemas are ours, left alone). */
export function markRequestSchemas(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (!schema) return;
  route.schema = {
    ...schema,
    ...Object.fromEntries(
      REQUEST_PARTS.filter((part) => schema[part] !== undefined).map((part) => [
        part,
        withSafeInput(schema[part]),
      ]),
    ),
  };
}
