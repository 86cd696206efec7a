// A tenant's sale events as they reach its NATS stream (the worker's outbox relay publishes them):
// one NATS connection per watched tenant, made with that tenant's own credentials (its NATS
// account is its subject space, so another tenant's events cannot reach it), shared by every
// stream watching the tenant and closed when the last one leaves. Core subscriptions only: nothing
// is stored on the tenant's stream for a watcher. Each event is handled in a consumer span that
// continues the relay's publish (the sale's trace); watchers get that span's traceparent.
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { currentTraceparent, extractTraceContext, type Logger } from '@cloudpos/telemetry';
import type { Config } from '../config.ts';

const tracer = trace.getTracer('@cloudpos/pos-api');

/** What the outbox relay publishes for completed sales and returns (sales/checkout.ts, returns.ts). */
export const SALE_EVENT_SUBJECTS = 'pos.events.sale.>';

export interface SaleEvent {
  /** `sale.completed` or `sale.refunded`: the subject without its `pos.events.` prefix. */
  type: string;
  /** The sale's (or the return's) id and store, from the event's payload. */
  saleId: string | undefined;
  storeId: string | undefined;
  /** The consumer span handling the event, for a watcher continuing the sale's trace. */
  traceparent: string | undefined;
}

/** The event a relayed message carries: its subject, and the ids its payload names (if it is JSON). */
function saleEventOf(subject: string, data: Uint8Array): Omit<SaleEvent, 'traceparent'> {
  let payload: { saleId?: unknown; storeId?: unknown } = {};
  try {
    payload = (JSON.parse(new TextDecoder().decode(data)) ?? {}) as typeof payload;
  } catch {
    // Not JSON: the event still says a sale happened.
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    type: subject.replace(/^pos\.events\./, ''),
    saleId: text(payload.saleId),
    storeId: text(payload.storeId),
  };
}

export interface SaleEvents {
  /**
   * Calls `onEvent` for each sale or return event of the tenant (at least once per event). Resolves,
   * once subscribed, to the way to stop; rejects when the tenant's events cannot be reached.
   */
  watch(tenant: string, onEvent: (event: SaleEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}

export interface NatsSaleEventsOptions {
  url: string;
  /** The tenant's NATS user credentials (`.creds`); undefined when this server has none for it. */
  credentials(tenant: string): Promise<Uint8Array | undefined>;
  logger?: Logger;
}

interface Watched {
  connection: Promise<NatsConnection>;
  listeners: Set<(event: SaleEvent) => void>;
}

export function natsSaleEvents(options: NatsSaleEventsOptions): SaleEvents {
  const tenants = new Map<string, Watched>();
  const open = (tenant: string): Watched => {
    const listeners = new Set<(event: SaleEvent) => void>();
    const connection = (async () => {
      const creds = await options.credentials(tenant);
      if (!creds) throw new Error(`tenant ${tenant} has no NATS credentials here`);
      const nc = await connect({
        servers: options.url,
        authenticator: credsAuthenticator(creds),
        name: `pos-api:events:${tenant}`,
        maxReconnectAttempts: -1,
      });
      nc.subscribe(SALE_EVENT_SUBJECTS, {
        callback: (error, message) => {
          if (error) {
            options.logger?.warn({ err: error, tenant }, 'sale events subscription failed');
            return;
          }
          const parent = message.headers ? extractTraceContext(message.headers) : context.active();
          const span = tracer.startSpan(
            `process ${message.subject}`,
            {
              kind: SpanKind.CONSUMER,
              attributes: {
                'messaging.system': 'nats',
                'messaging.operation.type': 'process',
                'messaging.destination.name': message.subject,
                'cloudpos.tenant': tenant,
              },
            },
            parent,
          );
          try {
            const event = saleEventOf(message.subject, message.data);
            context.with(trace.setSpan(parent, span), () => {
              for (const listener of listeners) listener({ ...event, traceparent: currentTraceparent() });
            });
          } finally {
            span.end();
          }
        },
      });
      return nc;
    })();
    const watched = { connection, listeners };
    // A failed connection is forgotten, so the next watcher tries again.
    connection.catch(() => {
      if (tenants.get(tenant) === watched) tenants.delete(tenant);
    });
    tenants.set(tenant, watched);
    return watched;
  };
  const release = (tenant: string, watched: Watched) => {
    if (watched.listeners.size > 0) return;
    if (tenants.get(tenant) === watched) tenants.delete(tenant);
    void watched.connection.then((nc) => nc.close()).catch(() => {});
  };
  return {
    async watch(tenant, onEvent) {
      const watched = tenants.get(tenant) ?? open(tenant);
      watched.listeners.add(onEvent);
      try {
        await watched.connection;
      } catch (error) {
        watched.listeners.delete(onEvent);
        throw error;
      }
      return () => {
        watched.listeners.delete(onEvent);
        release(tenant, watched);
      };
    },
    async close() {
      const all = [...tenants.values()];
      tenants.clear();
      await Promise.allSettled(all.map(async (watched) => (await watched.connection).close()));
    },
  };
}

/**
 * The sale events an API configured by `config` can read, undefined without NATS_URL. Dedicated:
 * its one tenant, with the user the pod mounts (NATS_CREDS_FILE). Pooled (`npm start`): each
 * tenant's `<NATS_CREDS_DIR>/<slug>.nats.creds`, as local mode writes them.
 */
export function saleEventsFromConfig(
  config: Pick<Config, 'NATS_URL' | 'NATS_CREDS_FILE' | 'NATS_CREDS_DIR' | 'TENANT_MODE' | 'TENANT_SLUG'>,
  logger?: Logger,
): SaleEvents | undefined {
  if (!config.NATS_URL) return undefined;
  const fileOf = (tenant: string) =>
    config.TENANT_MODE === 'dedicated'
      ? tenant === config.TENANT_SLUG
        ? config.NATS_CREDS_FILE
        : undefined
      : config.NATS_CREDS_DIR && join(config.NATS_CREDS_DIR, `${tenant}.nats.creds`);
  return natsSaleEvents({
    url: config.NATS_URL,
    credentials: async (tenant) => {
      const file = fileOf(tenant);
      return file ? readFile(file).catch(() => undefined) : undefined;
    },
    ...(logger ? { logger } : {}),
  });
}
