// The till's spans, as the rest of the till makes them: through the OpenTelemetry API only (which
// does nothing until telemetry.ts has started the SDK, as in unit tests). The browser keeps no
// context across `await`, so a span's children are named explicitly: `inSpan` hands its work the
// span's context, and api() makes its fetch inside the context it is given.
import { context, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';

export const TILL_TRACER = '@cloudpos/till';

/** The span of one sale sync: the commit of queued sales (POST /v1/sales/batch or /v1/sales). */
export const SALE_SYNC_SPAN = 'till sale sync';

/**
 * What the till records of a span, within what the POS API accepts (REMOTE_SPAN_LIMITS in
 * @cloudpos/telemetry, which tracing.test.ts holds these to): longer values are cut here rather
 * than have the API refuse the batch.
 */
export const TILL_SPAN_LIMITS = {
  attributeValueLengthLimit: 1024,
  attributeCountLimit: 64,
  eventCountLimit: 32,
  attributePerEventCountLimit: 16,
  linkCountLimit: 8,
  attributePerLinkCountLimit: 16,
} as const;
/** Longest span name the till makes (fetch spans are named after their URL's path). */
export const TILL_SPAN_NAME_LENGTH = 200;
/** Spans per upload: one request to POST /v1/traces. */
export const TILL_SPANS_PER_UPLOAD = 64;

/** Runs `work` in a span; what it passes `parent` to (api's `parent`) becomes the span's child. */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (parent: Context) => Promise<T>,
): Promise<T> {
  const span = trace.getTracer(TILL_TRACER).startSpan(name, { attributes });
  try {
    return await work(trace.setSpan(context.active(), span));
  } catch (error) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A fetch span's name: the method and the URL's path with ids left out (`GET /v1/sales/:id/receipt`),
 * so that the names stay few; a segment with a digit, other than an API version, is an id.
 */
export function fetchSpanName(method: string, url: string): string {
  let path: string;
  try {
    path = new URL(url, 'http://till.invalid').pathname;
  } catch {
    return method;
  }
  const route = path
    .split('/')
    .map((segment) => (/\d/.test(segment) && !/^v\d+$/.test(segment) ? ':id' : segment))
    .join('/');
  return `${method} ${route}`.slice(0, TILL_SPAN_NAME_LENGTH);
}

/** A URL as a span records it: without its query, which may hold what someone searched for. */
export function urlWithoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url.split(/[?#]/)[0]!;
  }
}
