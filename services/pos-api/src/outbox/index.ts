// The transactional outbox: every domain announces its changes by appending rows here in the
// transaction that makes them, so an event exists exactly when its change committed. The worker's
// relay publishes them in id order on the tenant's stream, with the trace context of the request.
import { currentTraceparent } from '@cloudpos/telemetry';
import { query, statementText, tableOf } from '../db/sql.ts';
import type { RequestContext } from '../tenancy/context.ts';

export interface OutboxMessage {
  /** `pos.events.<domain>.<what happened>` */
  subject: string;
  payload: Record<string, unknown>;
}

const appendText = statementText();

/**
 * Appends events in `ctx`'s transaction with one statement (a bulk import announces thousands), in
 * the list's order.
 */
export async function appendOutbox(ctx: RequestContext, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await query(
    ctx,
    appendText(
      ctx,
      () => `insert into ${tableOf(ctx, 'outbox_event')} (subject, payload, traceparent)
             select e.item ->> 'subject', e.item -> 'payload', $1
               from jsonb_array_elements($2::jsonb) with ordinality as e(item, n) order by e.n`,
    ),
    [currentTraceparent() ?? null, JSON.stringify(messages)],
  );
}
