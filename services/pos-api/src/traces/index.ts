// The till's own spans, taken in and handed to the process's tracing: POST /v1/traces.
export { traceRoutes, TRACE_BODY_LIMIT } from './routes.ts';
export { browserSpanMetrics, type BrowserSpanMetrics } from './metrics.ts';
