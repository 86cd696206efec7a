// The outbox relay: events written in a tenant's schema in the same transaction as the sale they
// announce are published, oldest first, to the tenant's JetStream stream with `Nats-Msg-Id` = the
// outbox id (the stream's duplicate window drops the second copy when a crash comes between the
// publish and the mark), each in a producer span that continues the trace of the writing request.
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { extractTraceContext, injectTraceContext, type Logger } from '@cloudpos/telemetry';
import { TENANT_LOCKS } from '@cloudpos/tenant-db';
import type pg from 'pg';
import { Counter, Gauge, type Registry } from 'prom-client';
import { startPolling, type PollingLoop } from './polling.ts';

const tracer = trace.getTracer('@cloudpos/worker');

export interface RelayMetrics {
  published: Counter<'tenant'>;
  pending: Gauge<'tenant'>;
  failures: Counter<'tenant'>;
}

export function relayMetrics(registry: Registry): RelayMetrics {
  return {
    published: new Counter({
      name: 'cloudpos_outbox_published_total',
      help: 'Outbox events published to JetStream.',
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'cloudpos_outbox_pending',
      help: 'Outbox events not yet published, as of the last relay pass.',
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'cloudpos_outbox_relay_failures_total',
      help: 'Relay passes that failed (NATS unreachable, the stream refusing a message...).',
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
  };
}

export interface RelayTarget {
  /** The tenant's slug, for logs and metrics. */
  tenant: string;
  /** Its schema (raw SQL is schema-qualified). */
  schema: string;
  pool: pg.Pool;
  js: JetStreamClient;
}

interface OutboxRow {
  id: string;
  subject: string;
  payload: unknown;
  traceparent: string | null;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * One pass: publishes up to `batchSize` waiting events in id order and marks them. Only one relay
 * works on a tenant at a time (a row lock in the tenant's schema), so order holds with several worker replicas.
 * What was published before a failure is still marked; the failure is thrown.
 */
export async function relayOnce(target: RelayTarget, batchSize = 100, timeoutMs = 5000): Promise<number> {
  if (!IDENTIFIER.test(target.schema)) throw new Error(`invalid schema "${target.schema}"`);
  const table = `"${target.schema}".outbox_event`;
  const client = await target.pool.connect();
  const published: string[] = [];
  try {
    await client.query('begin');
    // The tenant's own row lock (ADR 0009): another relay holding it means this pass has nothing to do.
    const locked = await client.query(
      `select name from "${target.schema}".tenant_lock where name = $1 for update skip locked`,
      [TENANT_LOCKS.outboxRelay],
    );
    if (locked.rowCount !== 1) {
      await client.query('rollback');
      return 0;
    }
    const { rows } = await client.query<OutboxRow>(
      // Ordered by the bigint column: `order by id` would sort the text alias ("10" before "6").
      `select id::text as id, subject, payload, traceparent from ${table} as outbox
        where published_at is null order by outbox.id limit $1`,
      [batchSize],
    );
    try {
      for (const row of rows) {
        await publish(target, row, timeoutMs);
        published.push(row.id);
      }
    } finally {
      if (published.length > 0) {
        await client.query(
          `update ${table} set published_at = now(), attempts = attempts + 1 where id = any($1::bigint[])`,
          [published],
        );
      }
      await client.query('commit');
    }
    return published.length;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function publish(target: RelayTarget, row: OutboxRow, timeoutMs: number): Promise<void> {
  const parent = row.traceparent
    ? extractTraceContext(new Map([['traceparent', row.traceparent]]))
    : undefined;
  const span = tracer.startSpan(
    `publish ${row.subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'publish',
        'messaging.destination.name': row.subject,
        'messaging.message.id': row.id,
        'cloudpos.tenant': target.tenant,
      },
    },
    parent,
  );
  try {
    const headers = natsHeaders();
    // Consumers continue from this publish span.
    injectTraceContext(headers, trace.setSpan(parent ?? context.active(), span));
    await target.js.publish(row.subject, JSON.stringify(row.payload), {
      msgID: row.id,
      headers,
      timeout: timeoutMs,
    });
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** The relay's loop (see polling.ts). */
export type Relay = PollingLoop;

/**
 * Relays continuously: a pass every `intervalMs`, straight away again while there is a backlog,
 * and with a growing pause (up to 5 s) while NATS or the database fails.
 */
export function startRelay(
  target: RelayTarget,
  options: { logger: Logger; metrics?: RelayMetrics; intervalMs?: number; batchSize?: number },
): Relay {
  const batchSize = options.batchSize ?? 100;
  /** Unknown (-1) until the first count. */
  let pending = -1;
  const countPending = async () => {
    const result = await target.pool.query<{ n: number }>(
      `select count(*)::int as n from "${target.schema}".outbox_event where published_at is null`,
    );
    pending = result.rows[0]!.n;
    options.metrics?.pending.set({ tenant: target.tenant }, pending);
  };
  return startPolling(
    async () => {
      const count = await relayOnce(target, batchSize);
      if (count > 0) options.metrics?.published.inc({ tenant: target.tenant }, count);
      // The backlog is counted when it may have changed, not on every idle pass.
      if (count > 0 || pending !== 0) await countPending();
      return count === batchSize;
    },
    {
      intervalMs: options.intervalMs ?? 250,
      onRecovery: () => options.logger.info({ tenant: target.tenant }, 'outbox relay recovered'),
      async onFailure(error, failures) {
        options.metrics?.failures.inc({ tenant: target.tenant });
        if (failures === 1 || failures % 20 === 0)
          options.logger.warn(
            { err: error, tenant: target.tenant, failures },
            'outbox relay failed; retrying',
          );
        // While NATS is away the backlog grows: keep the gauge telling (the database may be away too).
        await countPending().catch(() => {});
      },
    },
  );
}
