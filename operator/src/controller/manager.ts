// Runs reconciles from the work queue with the metrics controller-runtime users expect
// (controller_runtime_reconcile_*, workqueue_depth, tenants by phase) and one trace per reconcile,
// continuing the trace a Tenant carries in its traceparent annotation.
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { extractTraceContext, type Logger } from '@cloudpos/telemetry';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { WorkQueue } from './queue.ts';
import { reconcileTenant, type ReconcileContext } from './reconcile.ts';

export interface ManagerMetrics {
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  reconcileTime: Histogram<'controller'>;
  watchRestarts: Counter<'watch' | 'reason'>;
  queueDepth: Gauge<'name'>;
  tenantsByPhase: Gauge<'phase'>;
}

export function managerMetrics(registry: Registry): ManagerMetrics {
  return {
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller and result.',
      labelNames: ['controller', 'result'] as const,
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller.',
      labelNames: ['controller'] as const,
      registers: [registry],
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller.',
      labelNames: ['controller'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    watchRestarts: new Counter({
      name: 'cloudpos_operator_watch_restarts_total',
      help: 'Watches restarted, by watch and reason (error, or stalled as found by the watchdog).',
      labelNames: ['watch', 'reason'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of the work queue.',
      labelNames: ['name'] as const,
      registers: [registry],
    }),
    tenantsByPhase: new Gauge({
      name: 'cloudpos_tenants',
      help: 'Tenants by phase, as last reconciled by this operator.',
      labelNames: ['phase'] as const,
      registers: [registry],
    }),
  };
}

export interface Manager {
  queue: WorkQueue;
  /** Starts the workers; call once the watches (and their caches) are in place. */
  start(): void;
  stop(): Promise<void>;
}

export function createManager(options: {
  ctx: ReconcileContext;
  metrics: ManagerMetrics;
  logger: Logger;
  concurrency: number;
  traceparentOf(name: string): string | undefined;
}): Manager {
  const { ctx, metrics, logger } = options;
  const tracer = trace.getTracer('cloudpos-operator');
  const phases = new Map<string, string>();
  const queue = new WorkQueue({
    concurrency: options.concurrency,
    onDepthChange: (depth) => metrics.queueDepth.set({ name: 'tenant' }, depth),
  });
  const reconcile = async (name: string) => {
    const traceparent = options.traceparentOf(name);
    const parent = traceparent
      ? extractTraceContext(new Map([['traceparent', traceparent]]))
      : context.active();
    return tracer.startActiveSpan(
      'reconcile Tenant',
      { attributes: { 'cloudpos.tenant': name } },
      parent,
      async (span) => {
        const started = performance.now();
        const stopTimer = metrics.reconcileTime.startTimer({ controller: 'tenant' });
        const tookMs = () => Math.round((performance.now() - started) * 10) / 10;
        try {
          const result = await reconcileTenant(ctx, name);
          metrics.reconcileTotal.inc({
            controller: 'tenant',
            // Converged tenants come back for their next backup: that is no requeue.
            result:
              CONVERGED.has(result.status?.phase ?? '') || result.requeueAfterMs === undefined
                ? 'success'
                : 'requeue',
          });
          if (result.status?.phase) phases.set(name, result.status.phase);
          else phases.delete(name);
          updatePhaseGauge(metrics, phases);
          span.setAttribute('cloudpos.tenant.phase', result.status?.phase ?? 'Gone');
          logger.info({ tenant: name, phase: result.status?.phase, durationMs: tookMs() }, 'reconciled');
          return result;
        } catch (error) {
          metrics.reconcileTotal.inc({ controller: 'tenant', result: 'error' });
          metrics.reconcileErrors.inc({ controller: 'tenant' });
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
          logger.error(
            { err: error, tenant: name, durationMs: tookMs() },
            'reconcile failed; retrying with backoff',
          );
          throw error;
        } finally {
          stopTimer();
          span.end();
        }
      },
    );
  };
  return { queue, start: () => queue.start(reconcile), stop: () => queue.stop() };
}

const CONVERGED = new Set(['Ready', 'Suspended']);

function updatePhaseGauge(metrics: ManagerMetrics, phases: Map<string, string>): void {
  metrics.tenantsByPhase.reset();
  for (const phase of phases.values()) metrics.tenantsByPhase.inc({ phase });
}
