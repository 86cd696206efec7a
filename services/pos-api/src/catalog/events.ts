// "The catalog changed", announced through the transactional outbox: each row is written with the
// EntityManager of the transaction that makes the change, so it commits (or rolls back) with it. The
// worker's relay publishes it as `pos.events.catalog.<entity>.<changed|deleted>` on the tenant's
// stream, carrying the trace context of the request that made the change.
import { currentTraceparent } from '@cloudpos/telemetry';
import { OutboxEvent } from '@cloudpos/tenant-db';
import type { EntityManager } from '@mikro-orm/postgresql';

export const CATALOG_ENTITIES = [
  'tax_rate',
  'tax_category',
  'category',
  'product',
  'variant',
  'price',
] as const;
export type CatalogEntity = (typeof CATALOG_ENTITIES)[number];
export type CatalogChange = 'changed' | 'deleted';

/** What an event says: the row's id and version, plus the keys a consumer needs to route it. */
export interface CatalogEventPayload {
  id: string;
  /** The version after the change; for `deleted`, the last version the row had. */
  version: number;
  [key: string]: string | number | boolean | null;
}

export interface CatalogEvent {
  entity: CatalogEntity;
  change: CatalogChange;
  payload: CatalogEventPayload;
}

export const catalogSubject = (entity: CatalogEntity, change: CatalogChange) =>
  `pos.events.catalog.${entity}.${change}`;

/** Adds outbox rows to `em`'s unit of work; they are inserted by its next flush (the commit). */
export function recordCatalogEvents(em: EntityManager, events: CatalogEvent[]): void {
  const traceparent = currentTraceparent() ?? null;
  for (const event of events) {
    em.create(OutboxEvent, {
      subject: catalogSubject(event.entity, event.change),
      payload: event.payload,
      traceparent,
    });
  }
}

/**
 * Inserts outbox rows with one statement (bulk upserts announce up to thousands of changes), in the
 * transaction `em` runs. `table` is the schema-qualified outbox table.
 */
export async function insertCatalogEvents(
  em: EntityManager,
  table: string,
  events: CatalogEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((event) => ({
    subject: catalogSubject(event.entity, event.change),
    payload: event.payload,
  }));
  // Ids follow the list's order (the relay publishes in id order).
  await em.execute(
    `insert into ${table} (subject, payload, traceparent)
     select e.item ->> 'subject', e.item -> 'payload', ?
     from jsonb_array_elements(?::jsonb) with ordinality as e(item, n) order by e.n`,
    [currentTraceparent() ?? null, JSON.stringify(rows)],
  );
}
