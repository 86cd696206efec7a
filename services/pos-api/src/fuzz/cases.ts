// Builds fuzz requests from an OpenAPI operation: a plausible request made from the operation's
// schemas (so hostile values get past the checks they do not target and reach handlers and SQL),
// with one part of it replaced by something hostile: NUL bytes, lone UTF-16 surrogates, "Infinity",
// "NaN", huge and negative numbers, huge or deeply nested values, wrong types, malformed JSON, an
// empty body, odd headers.
import type { JsonSchema, Operation, Parameter } from './openapi.ts';
import type { Random } from './random.ts';

export interface FuzzRequest {
  method: string;
  /** Path and query, percent-encoded as they would be on the wire. */
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What is hostile about it, for the report. */
  description: string;
}

/** Real ids of the tenant under test, so that some requests find what they name. */
export type IdPool = readonly string[];

// ---------------------------------------------------------------------------------------------------
// Plausible values

const FIXED_TIME = '2026-01-02T03:04:05.000Z';

function stringExample(schema: JsonSchema, random: Random): string {
  if (schema.format === 'date-time') return FIXED_TIME;
  if (schema.format === 'uuid') return random.uuid();
  // The API's patterns are simple; one of these fits each of them (codes, PINs, currencies, rates,
  // quantities, SKUs, idempotency keys, cursors).
  const candidates = [`fz${random.hex(8)}`, `fuzz-${random.hex(12)}`, '19', '1111', 'EUR', '1', 'x'];
  const pattern = schema.pattern ? new RegExp(schema.pattern, 'u') : undefined;
  const fits = (value: string) =>
    (pattern?.test(value) ?? true) &&
    value.length >= (schema.minLength ?? 0) &&
    value.length <= (schema.maxLength ?? Infinity);
  return candidates.find(fits) ?? candidates[0]!;
}

function numberExample(schema: JsonSchema): number {
  const low = schema.minimum ?? -Infinity;
  const high = schema.maximum ?? Infinity;
  for (const candidate of [100, 1, 24, 42, 0]) {
    if (candidate >= low && candidate <= high) return candidate;
  }
  return Number.isFinite(low) ? low : high;
}

/** A value the schema accepts (as far as a simple generator can tell). */
export function exampleOf(schema: JsonSchema, random: Random, ids: IdPool): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return random.pick(schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    const nonNull = union.filter((branch) => branch.type !== 'null');
    return exampleOf(
      random.chance(0.9) && nonNull.length > 0 ? random.pick(nonNull) : random.pick(union),
      random,
      ids,
    );
  }
  if (schema.allOf) return exampleOf(Object.assign({}, ...schema.allOf) as JsonSchema, random, ids);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      const properties = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      for (const [name, property] of properties) {
        if (required.has(name) || random.chance(0.5)) value[name] = exampleOf(property, random, ids);
      }
      for (const [name, property] of properties) {
        if (Object.keys(value).length >= (schema.minProperties ?? 0)) break;
        value[name] ??= exampleOf(property, random, ids);
      }
      return value;
    }
    case 'array': {
      const count = Math.min(Math.max(schema.minItems ?? 0, 1 + random.int(2)), schema.maxItems ?? 2);
      return Array.from({ length: count }, () => exampleOf(schema.items ?? {}, random, ids));
    }
    case 'string':
      if (schema.format === 'uuid' && ids.length > 0 && random.chance(0.7)) return random.pick(ids);
      return stringExample(schema, random);
    case 'integer':
    case 'number':
      return numberExample(schema);
    case 'boolean':
      return random.chance(0.5);
    case 'null':
      return null;
    default:
      return 'x';
  }
}

// ---------------------------------------------------------------------------------------------------
// Hostile values

const deepArray = (depth: number): unknown => {
  let value: unknown = [];
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};
const deepObject = (depth: number): unknown => {
  let value: unknown = {};
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
};

/**
 * Number literals JSON allows but JavaScript cannot hold (JSON.parse makes them Infinity or 0, or
 * rounds them): written into the body text as they are.
 */
const RAW_NUMBERS = ['1e999', '-1e999', '9007199254740993', '1e-999', '-0'];
const RAW_MARK = '\u0001raw:';

/** JSON values for a body field. */
export const HOSTILE_JSON: readonly { label: string; value: unknown }[] = [
  ...RAW_NUMBERS.map((literal) => ({ label: `number literal ${literal}`, value: `${RAW_MARK}${literal}` })),
  { label: 'NUL', value: '\u0000' },
  { label: 'text with NUL', value: 'ab\u0000cd' },
  { label: 'lone high surrogate', value: '\ud800' },
  { label: 'text with lone low surrogate', value: 'ab\udc00cd' },
  { label: 'reversed surrogate pair', value: '\udc00\ud800' },
  { label: '"Infinity"', value: 'Infinity' },
  { label: '"-Infinity"', value: '-Infinity' },
  { label: '"NaN"', value: 'NaN' },
  { label: '"1e999"', value: '1e999' },
  { label: '"-1e999"', value: '-1e999' },
  { label: '"-1"', value: '-1' },
  { label: '"0x10"', value: '0x10' },
  { label: 'empty string', value: '' },
  { label: '40 nines', value: '9'.repeat(40) },
  { label: '70,000 characters', value: 'x'.repeat(70_000) },
  { label: 'bidi override', value: '\u202e1000' },
  { label: '-1', value: -1 },
  { label: '0', value: 0 },
  { label: '1.5', value: 1.5 },
  { label: '1e308', value: 1e308 },
  { label: '-1e308', value: -1e308 },
  { label: '2^53 + 2', value: 2 ** 53 + 2 },
  { label: '-(2^53 + 2)', value: -(2 ** 53 + 2) },
  { label: '5e-324', value: 5e-324 },
  { label: 'null', value: null },
  { label: 'true', value: true },
  { label: 'empty array', value: [] },
  { label: 'empty object', value: {} },
  { label: 'array nested 2,000 deep', value: deepArray(2_000) },
  { label: 'object nested 2,000 deep', value: deepObject(2_000) },
  { label: '10,000 element array', value: Array.from({ length: 10_000 }, () => 'x') },
];

/** Characters slipped into an otherwise valid string (it may pass a pattern that way). */
const HOSTILE_CHARACTERS = ['\u0000', '\ud800', '\udfff'];

/** Path segments and query values, already percent-encoded. */
export const HOSTILE_URL_TEXT: readonly string[] = [
  '%00',
  'ab%00cd',
  '%ED%A0%80', // a lone surrogate in (invalid) UTF-8, as WTF-8 would write it
  '%ED%B0%80',
  '%C0%80', // overlong NUL
  '%FF',
  '%E0%A4%A',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e999',
  '-1e999',
  '1e308',
  '-1',
  '0',
  '1.5',
  '9'.repeat(19), // fits a 19-digit pattern, overflows bigint
  '9'.repeat(40),
  '9007199254740993',
  'x'.repeat(5_000),
  '',
  '%20',
  'true',
  '%5B%5D',
  '..%2F..%2Fetc',
  "'%3B--",
];

/** Header values that can cross the wire (HTTP has no NUL or surrogates in headers). */
const HOSTILE_HEADER_TEXT: readonly string[] = [
  'Infinity',
  'NaN',
  '1e999',
  '-1',
  '"Infinity"',
  '"NaN"',
  '"99999999999999999999"',
  'W/"1"',
  '*',
  '"1", "2"',
  '',
  'x'.repeat(8_000),
  '\u00ff\u00fe',
];

const HOSTILE_HOSTS = [
  'nobody-here.localhost',
  '127.0.0.1',
  'a.b.localhost',
  `${'x'.repeat(300)}.localhost`,
  '\u00ff.localhost',
  '[::1]:80',
];

const HOSTILE_BODIES: readonly { label: string; payload: string | Buffer; contentType?: string }[] = [
  { label: 'empty body', payload: '' },
  { label: 'truncated JSON', payload: '{"a":' },
  { label: 'JSON then garbage', payload: '{}garbage' },
  { label: 'JSON null', payload: 'null' },
  { label: 'JSON array', payload: '[]' },
  { label: 'JSON string with NUL escape', payload: '"\\u0000"' },
  { label: 'raw NUL byte', payload: '\u0000' },
  {
    label: 'invalid UTF-8',
    payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  },
  { label: '__proto__ key', payload: '{"__proto__":{"admin":true}}' },
  { label: 'constructor.prototype', payload: '{"constructor":{"prototype":{"admin":true}}}' },
  { label: 'JSON nested 100,000 deep', payload: '['.repeat(100_000) + ']'.repeat(100_000) },
  { label: 'bare Infinity', payload: 'Infinity' },
  { label: 'NaN member', payload: '{"amount":NaN}' },
  { label: 'text/plain body', payload: 'hello', contentType: 'text/plain' },
  { label: 'form body', payload: 'a=1&b=%00', contentType: 'application/x-www-form-urlencoded' },
  { label: 'UTF-16 JSON', payload: '{}', contentType: 'application/json; charset=utf-16' },
];

// ---------------------------------------------------------------------------------------------------
// Requests

/** Every leaf and branch of a JSON value, as paths of keys. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1)!] = value;
  return root;
}

const pointer = (path: (string | number)[]) => `/${path.join('/')}`;

function urlOf(operation: Operation, pathValues: Map<string, string>, query: [string, string][]): string {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => pathValues.get(name) ?? 'x');
  const search = query.map(([name, value]) => `${encodeURIComponent(name)}=${value}`).join('&');
  return search ? `${path}?${search}` : path;
}

const encodedExample = (parameter: Parameter, random: Random, ids: IdPool) =>
  encodeURIComponent(String(exampleOf(parameter.schema, random, ids)));

/** One request for the operation with one hostile part. */
export function fuzzRequest(operation: Operation, random: Random, ids: IdPool): FuzzRequest {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  const queryParams = operation.parameters.filter((p) => p.in === 'query');
  const headerParams = operation.parameters.filter((p) => p.in === 'header');

  const pathValues = new Map(pathParams.map((p) => [p.name, encodedExample(p, random, ids)]));
  const query: [string, string][] = queryParams
    .filter((p) => p.required || random.chance(0.5))
    .map((p) => [p.name, encodedExample(p, random, ids)]);
  const headers: Record<string, string> = {};
  for (const p of headerParams) {
    if (p.required || random.chance(0.5)) headers[p.name] = String(exampleOf(p.schema, random, ids));
  }
  if (headerParams.some((p) => p.name === 'if-match')) headers['if-match'] = random.pick(['"1"', '*']);
  let body = operation.body ? exampleOf(operation.body, random, ids) : undefined;
  let payload: string | Buffer | undefined;
  let description: string;

  const kinds = [
    ...(operation.body ? ['body-field', 'body-field', 'body-field', 'body-char', 'body-raw'] : []),
    ...(pathParams.length > 0 ? ['path', 'path'] : []),
    'query',
    'header',
  ];
  const kind = random.pick(kinds);
  switch (kind) {
    case 'body-field': {
      const path = random.pick(pathsOf(body));
      const hostile = random.pick(HOSTILE_JSON);
      body = setAt(structuredClone(body), path, hostile.value);
      description = `body ${pointer(path)} = ${hostile.label}`;
      break;
    }
    case 'body-char': {
      const strings = pathsOf(body).filter((path) => typeof getAt(body, path) === 'string');
      if (strings.length === 0) {
        body = setAt(structuredClone(body), [], '\u0000');
        description = 'body = NUL';
        break;
      }
      const path = random.pick(strings);
      const text = getAt(body, path) as string;
      const char = random.pick(HOSTILE_CHARACTERS);
      const at = random.int(text.length + 1);
      body = setAt(structuredClone(body), path, text.slice(0, at) + char + text.slice(at));
      description = `body ${pointer(path)} with U+${char.charCodeAt(0).toString(16).padStart(4, '0')} inside`;
      break;
    }
    case 'body-raw': {
      const hostile = random.pick(HOSTILE_BODIES);
      payload = hostile.payload;
      if (hostile.contentType) headers['content-type'] = hostile.contentType;
      description = `body: ${hostile.label}`;
      break;
    }
    case 'path': {
      const parameter = random.pick(pathParams);
      const value = random.pick(HOSTILE_URL_TEXT);
      pathValues.set(parameter.name, value);
      description = `path {${parameter.name}} = ${JSON.stringify(value.slice(0, 40))}`;
      break;
    }
    case 'query': {
      // A documented parameter, or one the API does not know.
      const name = queryParams.length > 0 && random.chance(0.85) ? random.pick(queryParams).name : 'unknown';
      const value = random.pick(HOSTILE_URL_TEXT);
      const kept = query.filter(([other]) => other !== name);
      const repeated = random.chance(0.15);
      query.splice(
        0,
        query.length,
        ...kept,
        [name, value],
        ...(repeated ? [[name, value] as [string, string]] : []),
      );
      description = `query ${name}=${JSON.stringify(value.slice(0, 40))}${repeated ? ' (twice)' : ''}`;
      break;
    }
    default: {
      const name = random.pick([
        ...headerParams.map((p) => p.name),
        'idempotency-key',
        'if-match',
        'x-approval-id',
        'authorization',
        'content-type',
        'stripe-signature',
        'host',
      ]);
      const value =
        name === 'host'
          ? random.pick(HOSTILE_HOSTS)
          : name === 'authorization'
            ? `Bearer ${random.pick(HOSTILE_HEADER_TEXT)}`
            : random.pick(HOSTILE_HEADER_TEXT);
      headers[name] = value;
      description = `header ${name}: ${JSON.stringify(value.slice(0, 40))}`;
    }
  }

  if (payload === undefined && body !== undefined) {
    payload = JSON.stringify(body).replace(/"\\u0001raw:([^"]+)"/g, '$1');
  }
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  return {
    method: operation.method,
    url: urlOf(operation, pathValues, query),
    headers,
    ...(payload === undefined ? {} : { payload }),
    description,
  };
}
