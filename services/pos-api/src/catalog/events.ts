// "The catalog changed", announced through the transactional outbox (appendOutbox) in the
// transaction that makes the change, so it commits (or rolls back) with it. The
// worker's relay publishes it as `pos.events.catalog.<entity>.<changed|deleted>` on the tenant's
// stream, carrying the trace context of the request that made the change.
import type { EntityManager } from '@mikro-orm/postgresql';
import { appendOutbox } from '../outbox/index.ts';
import type { RequestContext } from '../tenancy/context.ts';

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

/** Appends the events to the outbox in the transaction `em` runs (one statement, in order). */
export async function recordCatalogEvents(
  ctx: RequestContext,
  em: EntityManager,
  events: CatalogEvent[],
): Promise<void> {
  await appendOutbox(
    { ...ctx, em },
    events.map((event) => ({ subject: catalogSubject(event.entity, event.change), payload: event.payload })),
  );
}
