import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * The transactional outbox: events written in the same transaction as what they announce, published
 * to the tenant's JetStream stream by the worker's relay with `Nats-Msg-Id` = id (the stream's
 * duplicate window drops a second copy after a crash), in id order.
 */
export const OutboxEvent = defineEntity({
  name: 'OutboxEvent',
  tableName: 'outbox_event',
  schema: '*',
  properties: {
    id: p.bigint('string').primary().autoincrement(),
    /** Below the tenant's `pos.events.>` (e.g. `pos.events.sale.completed`). */
    subject: p.string().length(200),
    payload: p.json<Record<string, unknown>>(),
    /** W3C trace context of the transaction that wrote it, so the trace continues on the bus. */
    traceparent: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    publishedAt: p.datetime().nullable(),
    attempts: p.integer().default(0),
  },
  indexes: [{ properties: ['publishedAt', 'id'] }],
});
export type OutboxEvent = InferEntity<typeof OutboxEvent>;

/** Webhook events from payment providers already handled (they deliver at least once). */
export const ProviderEvent = defineEntity({
  name: 'ProviderEvent',
  tableName: 'provider_event',
  schema: '*',
  properties: {
    id: p.string().length(255).primary(),
    provider: p.string().length(32),
    type: p.string().length(100),
    receivedAt: p.datetime().defaultRaw('now()'),
  },
});
export type ProviderEvent = InferEntity<typeof ProviderEvent>;
