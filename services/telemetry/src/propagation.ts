// W3C trace context in message headers. No OpenTelemetry instrumentation exists for NATS in JS, so
// publishers inject `traceparent`/`tracestate` and consumers extract them by hand. The carrier shape
// matches NATS `MsgHdrs` (get/set) and works for a plain Map too.
import { context, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export interface HeaderCarrier {
  get(key: string): string | undefined | null;
  set(key: string, value: string): void;
}

// Used directly rather than through the global API so that it works before (or without) the SDK.
const w3c = new W3CTraceContextPropagator();

const setter: TextMapSetter<HeaderCarrier> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const getter: TextMapGetter<HeaderCarrier> = {
  get: (carrier, key) => carrier.get(key) || undefined,
  keys: () => ['traceparent', 'tracestate'],
};

export function injectTraceContext(headers: HeaderCarrier, ctx: Context = context.active()): void {
  w3c.inject(ctx, headers, setter);
}

export function extractTraceContext(headers: HeaderCarrier, ctx: Context = context.active()): Context {
  return w3c.extract(ctx, headers, getter);
}

/** The traceparent of the active span, for storing next to an outbox row. */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  const carrier = new Map<string, string>();
  injectTraceContext(carrier, ctx);
  return carrier.get('traceparent');
}
