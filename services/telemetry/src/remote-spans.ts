// Spans recorded in another process (the till, in the browser) and sent to a CloudPOS service as
// OTLP/HTTP JSON (an ExportTraceServiceRequest in the protobuf JSON mapping, as
// @opentelemetry/exporter-trace-otlp-http writes it), turned into the SDK's ReadableSpan so that this
// process's own exporters send them on (exportRemoteSpans in sdk.ts).
//
// Pure, and strict: the sender is a browser, so everything is checked (ids are hex of the right
// length, times are unsigned 64-bit nanoseconds, every string, list and count is bounded, values are
// flat), and anything else refuses the whole request with the paths of what is wrong. What the
// sender says about itself is never believed: its resource is ignored and the caller's used, and
// span attributes that would name a service or a tenant, or carry HTTP headers, are dropped.
import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type HrTime,
  type Link,
  type SpanContext,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/** How much one request may carry. The till's exporter sends batches well inside these. */
export const REMOTE_SPAN_LIMITS = {
  /** Spans in one request, all resources and scopes together. */
  spans: 128,
  resourceSpans: 4,
  scopeSpans: 16,
  nameLength: 256,
  attributes: 64,
  attributeKeyLength: 128,
  attributeValueLength: 1024,
  arrayValues: 32,
  events: 32,
  eventAttributes: 16,
  links: 8,
  statusMessageLength: 1024,
  scopeNameLength: 128,
  scopeVersionLength: 64,
  schemaUrlLength: 256,
  traceStateLength: 512,
  /** Validation stops after this many errors: a hostile body costs no more than a short one. */
  errors: 20,
} as const;

export interface RemoteSpanError {
  /** A JSON pointer into the request body. */
  path: string;
  message: string;
}

export type RemoteSpans = { ok: true; spans: ReadableSpan[] } | { ok: false; errors: RemoteSpanError[] };

/**
 * Span attributes the sender may not set, dropped: who sent the spans is the caller's resource
 * (Zipkin's exporter, for one, takes a span's `service.name` attribute over its resource's), and
 * headers have no place in a browser's spans (an Authorization header would be a secret in them).
 */
export function isReservedAttribute(key: string): boolean {
  return (
    key.startsWith('service.') ||
    key === 'cloudpos.tenant' ||
    key.startsWith('http.request.header.') ||
    key.startsWith('http.response.header.')
  );
}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/i;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/i;
const ZERO = /^0+$/;
const UNSIGNED = /^[0-9]{1,20}$/;
const ATTRIBUTE_KEY = /^[\x21-\x7e]+$/;
const MAX_FIXED64 = 2n ** 64n - 1n;
const NANOS_PER_SECOND = 1_000_000_000n;

type Json = Record<string, unknown>;

/** What a check answers for a value that is wrong (its error is recorded). */
const invalid = Symbol('invalid');

class Refused extends Error {}

/** Walks the body, collecting what is wrong with it; stops (throws Refused) when there is too much. */
class Checker {
  readonly errors: RemoteSpanError[] = [];
  readonly limits: typeof REMOTE_SPAN_LIMITS;
  constructor(limits: typeof REMOTE_SPAN_LIMITS) {
    this.limits = limits;
  }

  fail(path: string, message: string): undefined {
    this.errors.push({ path: path || '/', message });
    if (this.errors.length >= this.limits.errors) throw new Refused();
    return undefined;
  }

  /** A plain object with only `allowed` keys. */
  object(value: unknown, path: string, allowed: readonly string[]): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return this.fail(path, 'must be an object');
    const json = value as Json;
    let ok = true;
    for (const key of Object.keys(json)) {
      if (!allowed.includes(key)) ok = this.fail(`${path}/${escapePointer(key)}`, 'is not allowed') ?? false;
    }
    return ok ? json : undefined;
  }

  /** An array of at most `max` entries; absent is empty. */
  list(value: unknown, path: string, max: number, what: string): unknown[] | undefined {
    if (value === undefined) return [];
    if (!Array.isArray(value)) return this.fail(path, 'must be an array');
    if (value.length > max) return this.fail(path, `at most ${max} ${what}`);
    return value as unknown[];
  }

  /** A well-formed string of at most `max` UTF-16 units, without NUL; absent when `optional`. */
  string(value: unknown, path: string, max: number, optional = false): string | undefined {
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string') return this.fail(path, 'must be a string');
    if (value.length > max) return this.fail(path, `must be at most ${max} characters`);
    if (!value.isWellFormed() || value.includes('\u0000'))
      return this.fail(path, 'must be text without NUL or unpaired surrogates');
    return value;
  }

  integer(value: unknown, path: string, min: number, max: number, optional = true): number | undefined {
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      return this.fail(path, `must be an integer from ${min} to ${max}`);
    return value;
  }

  id(value: unknown, path: string, pattern: RegExp, what: string): string | undefined {
    if (typeof value !== 'string' || !pattern.test(value) || ZERO.test(value))
      return this.fail(path, `must be a ${what} in hex, not all zeros`);
    return value.toLowerCase();
  }

  /** Unsigned 64-bit nanoseconds since the epoch: a decimal string (or a safe integer) as HrTime. */
  time(value: unknown, path: string): HrTime | undefined {
    let nanos: bigint;
    if (typeof value === 'string' && UNSIGNED.test(value)) nanos = BigInt(value);
    else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) nanos = BigInt(value);
    else return this.fail(path, 'must be nanoseconds since the epoch as a decimal string');
    if (nanos === 0n || nanos > MAX_FIXED64) return this.fail(path, 'must be a time after the epoch');
    return [Number(nanos / NANOS_PER_SECOND), Number(nanos % NANOS_PER_SECOND)];
  }

  /** OTLP KeyValue list; reserved keys are dropped and counted. */
  attributes(value: unknown, path: string, max: number): { attributes: Attributes; dropped: number } {
    const attributes: Attributes = {};
    let dropped = 0;
    const list = this.list(value, path, max, 'attributes') ?? [];
    for (const [index, entry] of list.entries()) {
      const at = `${path}/${index}`;
      const pair = this.object(entry, at, ['key', 'value']);
      if (!pair) continue;
      const key = this.string(pair.key, `${at}/key`, this.limits.attributeKeyLength);
      if (key !== undefined && !ATTRIBUTE_KEY.test(key)) {
        this.fail(`${at}/key`, 'must be printable ASCII without spaces');
        continue;
      }
      const attribute = this.anyValue(pair.value, `${at}/value`, true);
      if (key === undefined || attribute === invalid) continue;
      if (isReservedAttribute(key)) dropped += 1;
      else if (attribute !== undefined) attributes[key] = attribute as AttributeValue;
    }
    return { attributes, dropped };
  }

  /**
   * An OTLP AnyValue: a string, bool, int, double, or (at the top only) an array of those. Nested
   * lists, key-value lists and bytes are refused: attributes are flat. `{}` (an unset value, as the
   * exporter writes null) is undefined at the top and null in an array.
   */
  anyValue(value: unknown, path: string, top: boolean): AttributeValue | null | undefined | typeof invalid {
    const entry = this.object(value, path, [
      'stringValue',
      'boolValue',
      'intValue',
      'doubleValue',
      ...(top ? ['arrayValue'] : []),
    ]);
    if (!entry) return invalid;
    const kinds = Object.keys(entry);
    if (kinds.length === 0) return top ? undefined : null;
    if (kinds.length > 1) return this.fail(path, 'must have one value') ?? invalid;
    const kind = kinds[0]!;
    const at = `${path}/${kind}`;
    const raw = entry[kind];
    switch (kind) {
      case 'stringValue':
        return this.string(raw, at, this.limits.attributeValueLength) ?? invalid;
      case 'boolValue':
        return typeof raw === 'boolean' ? raw : (this.fail(at, 'must be true or false') ?? invalid);
      case 'intValue': {
        // int64: a number, or a decimal string (the protobuf JSON mapping), within a safe integer.
        const parsed = typeof raw === 'string' && /^-?[0-9]{1,16}$/.test(raw) ? Number(raw) : raw;
        return typeof parsed === 'number' && Number.isSafeInteger(parsed)
          ? parsed
          : (this.fail(at, 'must be a safe integer') ?? invalid);
      }
      case 'doubleValue':
        return typeof raw === 'number' && Number.isFinite(raw)
          ? raw
          : (this.fail(at, 'must be a finite number') ?? invalid);
      default: {
        const array = this.object(raw, at, ['values']);
        const values = array
          ? this.list(array.values, `${at}/values`, this.limits.arrayValues, 'values')
          : [];
        if (!array || !values) return invalid;
        const items = values.map((item, index) => this.anyValue(item, `${at}/values/${index}`, false));
        if (items.includes(invalid)) return invalid;
        // An attribute array holds one type (and nulls).
        const types = new Set(items.filter((item) => item !== null).map((item) => typeof item));
        if (types.size > 1) return this.fail(at, 'must hold values of one type') ?? invalid;
        return items as AttributeValue;
      }
    }
  }
}

const escapePointer = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

const RESOURCE_SPANS_KEYS = ['resource', 'scopeSpans', 'schemaUrl'] as const;
const RESOURCE_KEYS = ['attributes', 'droppedAttributesCount'] as const;
const SCOPE_SPANS_KEYS = ['scope', 'spans', 'schemaUrl'] as const;
const SCOPE_KEYS = ['name', 'version', 'attributes', 'droppedAttributesCount'] as const;
const SPAN_KEYS = [
  'traceId',
  'spanId',
  'parentSpanId',
  'traceState',
  'name',
  'kind',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'attributes',
  'droppedAttributesCount',
  'events',
  'droppedEventsCount',
  'status',
  'links',
  'droppedLinksCount',
  'flags',
] as const;
const EVENT_KEYS = ['timeUnixNano', 'name', 'attributes', 'droppedAttributesCount'] as const;
const LINK_KEYS = [
  'traceId',
  'spanId',
  'traceState',
  'attributes',
  'droppedAttributesCount',
  'flags',
] as const;
const COUNT_MAX = 2 ** 31 - 1;
const FLAGS_MAX = 2 ** 32 - 1;
/** OTLP span flags: bits 8 and 9 say whether the parent (or link) is remote, and that it is known. */
const REMOTE_KNOWN_AND_SET = 0x300;

/**
 * The spans of an OTLP/HTTP JSON trace request, each with `resourceAttributes` as its resource (the
 * sender's own resource is checked for shape, then ignored), or every reason the body is refused.
 */
export function remoteSpansFromOtlpJson(
  body: unknown,
  resourceAttributes: Attributes,
  limits: typeof REMOTE_SPAN_LIMITS = REMOTE_SPAN_LIMITS,
): RemoteSpans {
  const check = new Checker(limits);
  const resource = resourceFromAttributes(resourceAttributes);
  const spans: ReadableSpan[] = [];
  try {
    const request = check.object(body, '', ['resourceSpans']);
    const resourceSpans =
      request && check.list(request.resourceSpans, '/resourceSpans', limits.resourceSpans, 'resources');
    if (!resourceSpans) return { ok: false, errors: check.errors };
    if (countSpans(resourceSpans) > limits.spans) {
      check.fail('/resourceSpans', `at most ${limits.spans} spans in one request`);
      return { ok: false, errors: check.errors };
    }
    for (const [r, entry] of resourceSpans.entries()) {
      const at = `/resourceSpans/${r}`;
      const group = check.object(entry, at, RESOURCE_SPANS_KEYS);
      if (!group) continue;
      check.string(group.schemaUrl, `${at}/schemaUrl`, limits.schemaUrlLength, true);
      if (group.resource !== undefined) {
        // Checked like any attributes so that nothing unbounded gets through, then ignored.
        const claimed = check.object(group.resource, `${at}/resource`, RESOURCE_KEYS);
        if (claimed) {
          check.attributes(claimed.attributes, `${at}/resource/attributes`, limits.attributes);
          check.integer(
            claimed.droppedAttributesCount,
            `${at}/resource/droppedAttributesCount`,
            0,
            COUNT_MAX,
          );
        }
      }
      const scopes = check.list(group.scopeSpans, `${at}/scopeSpans`, limits.scopeSpans, 'scopes') ?? [];
      for (const [s, scopeEntry] of scopes.entries()) {
        const scopeAt = `${at}/scopeSpans/${s}`;
        const scopeSpans = check.object(scopeEntry, scopeAt, SCOPE_SPANS_KEYS);
        if (!scopeSpans) continue;
        const schemaUrl = check.string(
          scopeSpans.schemaUrl,
          `${scopeAt}/schemaUrl`,
          limits.schemaUrlLength,
          true,
        );
        const scope = scopeOf(check, scopeSpans.scope, `${scopeAt}/scope`);
        const list = check.list(scopeSpans.spans, `${scopeAt}/spans`, limits.spans, 'spans') ?? [];
        for (const [index, spanEntry] of list.entries()) {
          const span = spanOf(check, spanEntry, `${scopeAt}/spans/${index}`);
          if (span && scope && check.errors.length === 0) {
            spans.push({
              ...span,
              resource,
              instrumentationScope: { ...scope, ...(schemaUrl ? { schemaUrl } : {}) },
            });
          }
        }
      }
    }
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
  }
  return check.errors.length > 0 ? { ok: false, errors: check.errors } : { ok: true, spans };
}

/** How many spans the body claims, looking only at arrays where spans would be. */
function countSpans(resourceSpans: unknown[]): number {
  let count = 0;
  for (const group of resourceSpans) {
    const scopes = (group as Json | null)?.scopeSpans;
    if (!Array.isArray(scopes)) continue;
    for (const scope of scopes) {
      const spans = (scope as Json | null)?.spans;
      if (Array.isArray(spans)) count += spans.length;
    }
  }
  return count;
}

/** How many spans a body claims to carry (0 when it is not shaped like a trace request at all). */
export function claimedSpanCount(body: unknown): number {
  const resourceSpans = (body as Json | null)?.resourceSpans;
  return Array.isArray(resourceSpans) ? countSpans(resourceSpans) : 0;
}

function scopeOf(
  check: Checker,
  value: unknown,
  path: string,
): { name: string; version?: string } | undefined {
  if (value === undefined) return { name: 'unknown' };
  const scope = check.object(value, path, SCOPE_KEYS);
  if (!scope) return undefined;
  const name = check.string(scope.name, `${path}/name`, check.limits.scopeNameLength);
  const version = check.string(scope.version, `${path}/version`, check.limits.scopeVersionLength, true);
  // Scope attributes are checked for shape, not kept (ReadableSpan's scope has none).
  check.attributes(scope.attributes, `${path}/attributes`, check.limits.attributes);
  check.integer(scope.droppedAttributesCount, `${path}/droppedAttributesCount`, 0, COUNT_MAX);
  if (name === undefined) return undefined;
  return { name, ...(version ? { version } : {}) };
}

type SpanWithoutOrigin = Omit<ReadableSpan, 'resource' | 'instrumentationScope'>;

function spanOf(check: Checker, value: unknown, path: string): SpanWithoutOrigin | undefined {
  const span = check.object(value, path, SPAN_KEYS);
  if (!span) return undefined;
  const { limits } = check;
  const traceId = check.id(span.traceId, `${path}/traceId`, HEX_TRACE_ID, '16-byte trace id');
  const spanId = check.id(span.spanId, `${path}/spanId`, HEX_SPAN_ID, '8-byte span id');
  const parentSpanId =
    span.parentSpanId === undefined || span.parentSpanId === ''
      ? undefined
      : check.id(span.parentSpanId, `${path}/parentSpanId`, HEX_SPAN_ID, '8-byte span id');
  // Checked, not kept: nothing downstream of this process reads a browser's trace state.
  check.string(span.traceState, `${path}/traceState`, limits.traceStateLength, true);
  const name = check.string(span.name, `${path}/name`, limits.nameLength);
  const kind = check.integer(span.kind, `${path}/kind`, 0, 5);
  const startTime = check.time(span.startTimeUnixNano, `${path}/startTimeUnixNano`);
  const endTime = check.time(span.endTimeUnixNano, `${path}/endTimeUnixNano`);
  const { attributes, dropped } = check.attributes(span.attributes, `${path}/attributes`, limits.attributes);
  const droppedAttributes = check.integer(
    span.droppedAttributesCount,
    `${path}/droppedAttributesCount`,
    0,
    COUNT_MAX,
  );
  const droppedEvents = check.integer(span.droppedEventsCount, `${path}/droppedEventsCount`, 0, COUNT_MAX);
  const droppedLinks = check.integer(span.droppedLinksCount, `${path}/droppedLinksCount`, 0, COUNT_MAX);
  const flags = check.integer(span.flags, `${path}/flags`, 0, FLAGS_MAX) ?? 0;
  const status = statusOf(check, span.status, `${path}/status`);
  const events = (check.list(span.events, `${path}/events`, limits.events, 'events') ?? []).map(
    (event, index) => eventOf(check, event, `${path}/events/${index}`),
  );
  const links = (check.list(span.links, `${path}/links`, limits.links, 'links') ?? []).map((link, index) =>
    linkOf(check, link, `${path}/links/${index}`),
  );
  if (startTime && endTime && compareHrTime(endTime, startTime) < 0)
    check.fail(`${path}/endTimeUnixNano`, 'must not be before startTimeUnixNano');
  if (
    traceId === undefined ||
    spanId === undefined ||
    (span.parentSpanId !== undefined && span.parentSpanId !== '' && parentSpanId === undefined) ||
    name === undefined ||
    !startTime ||
    !endTime ||
    !status ||
    events.some((event) => !event) ||
    links.some((link) => !link)
  )
    return undefined;
  // Only sampled spans are exported, so every span that was sent was sampled.
  const context: SpanContext = { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
  return {
    name,
    // OTLP's kinds start at 1 (0 is unspecified); the API's at 0 (INTERNAL).
    kind: kind === undefined || kind === 0 ? SpanKind.INTERNAL : kind - 1,
    spanContext: () => context,
    ...(parentSpanId
      ? {
          parentSpanContext: {
            traceId,
            spanId: parentSpanId,
            traceFlags: TraceFlags.SAMPLED,
            isRemote: (flags & REMOTE_KNOWN_AND_SET) === REMOTE_KNOWN_AND_SET,
          },
        }
      : {}),
    startTime,
    endTime,
    duration: subtractHrTime(endTime, startTime),
    ended: true,
    status,
    attributes,
    events: events as TimedEvent[],
    links: links as Link[],
    droppedAttributesCount: (droppedAttributes ?? 0) + dropped,
    droppedEventsCount: droppedEvents ?? 0,
    droppedLinksCount: droppedLinks ?? 0,
  };
}

function statusOf(check: Checker, value: unknown, path: string): ReadableSpan['status'] | undefined {
  if (value === undefined) return { code: SpanStatusCode.UNSET };
  const status = check.object(value, path, ['code', 'message']);
  if (!status) return undefined;
  const code = check.integer(status.code, `${path}/code`, 0, 2) ?? SpanStatusCode.UNSET;
  const message = check.string(status.message, `${path}/message`, check.limits.statusMessageLength, true);
  return { code: code as SpanStatusCode, ...(message ? { message } : {}) };
}

function eventOf(check: Checker, value: unknown, path: string): TimedEvent | undefined {
  const event = check.object(value, path, EVENT_KEYS);
  if (!event) return undefined;
  const time = check.time(event.timeUnixNano, `${path}/timeUnixNano`);
  const name = check.string(event.name, `${path}/name`, check.limits.nameLength);
  const { attributes, dropped } = check.attributes(
    event.attributes,
    `${path}/attributes`,
    check.limits.eventAttributes,
  );
  const droppedAttributes = check.integer(
    event.droppedAttributesCount,
    `${path}/droppedAttributesCount`,
    0,
    COUNT_MAX,
  );
  if (!time || name === undefined) return undefined;
  return { time, name, attributes, droppedAttributesCount: (droppedAttributes ?? 0) + dropped };
}

function linkOf(check: Checker, value: unknown, path: string): Link | undefined {
  const link = check.object(value, path, LINK_KEYS);
  if (!link) return undefined;
  const traceId = check.id(link.traceId, `${path}/traceId`, HEX_TRACE_ID, '16-byte trace id');
  const spanId = check.id(link.spanId, `${path}/spanId`, HEX_SPAN_ID, '8-byte span id');
  check.string(link.traceState, `${path}/traceState`, check.limits.traceStateLength, true);
  const { attributes, dropped } = check.attributes(
    link.attributes,
    `${path}/attributes`,
    check.limits.eventAttributes,
  );
  const droppedAttributes = check.integer(
    link.droppedAttributesCount,
    `${path}/droppedAttributesCount`,
    0,
    COUNT_MAX,
  );
  const flags = check.integer(link.flags, `${path}/flags`, 0, FLAGS_MAX) ?? 0;
  if (traceId === undefined || spanId === undefined) return undefined;
  return {
    context: {
      traceId,
      spanId,
      traceFlags: flags & TraceFlags.SAMPLED,
      isRemote: (flags & REMOTE_KNOWN_AND_SET) === REMOTE_KNOWN_AND_SET,
    },
    attributes,
    droppedAttributesCount: (droppedAttributes ?? 0) + dropped,
  };
}

const compareHrTime = (a: HrTime, b: HrTime) => a[0] - b[0] || a[1] - b[1];

function subtractHrTime(end: HrTime, start: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1_000_000_000;
  }
  return [seconds, nanos];
}
