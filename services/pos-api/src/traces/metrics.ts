// How many of the till's browser spans the API took, dropped (no exporter configured) or refused
// (an invalid body), per tenant: labels bounded by the number of tenants and three outcomes.
import { Counter, type Registry } from 'prom-client';

export type BrowserSpanOutcome = 'accepted' | 'dropped' | 'refused';

export interface BrowserSpanMetrics {
  counted(tenant: string, outcome: BrowserSpanOutcome, spans: number): void;
}

export function browserSpanMetrics(registry: Registry): BrowserSpanMetrics {
  const spans = new Counter({
    name: 'cloudpos_browser_spans_total',
    help:
      'Spans the tills sent (POST /v1/traces): accepted into the traces, dropped (no trace exporter ' +
      'configured) or refused (the body was not valid; counted as the spans it claimed).',
    labelNames: ['tenant', 'outcome'] as const,
    registers: [registry],
  });
  return {
    counted(tenant, outcome, count) {
      if (count > 0) spans.inc({ tenant, outcome }, count);
    },
  };
}
