// A tenant's sale events, for live figures in the portal: one NATS connection per watched tenant,
// made with that tenant's own credentials (its NATS account is its subject space, so another
// tenant's events cannot reach it), shared by every page watching the tenant and closed when the
// last one leaves. Only core subscriptions: nothing is stored for the portal on the tenant's stream.
// Each event is handled in a consumer span continuing the relay's publish (the sale's trace).
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { extractTraceContext, type Logger } from '@cloudpos/telemetry';

const tracer = trace.getTracer('@cloudpos/portal');

/** What the outbox relay publishes for completed sales and returns (services/pos-api/src/sales). */
export const SALE_EVENT_SUBJECTS = 'pos.events.sale.>';

export interface SaleEvents {
  /**
   * Calls `onSale` after each sale or return event of the tenant (at least once per event; the
   * caller re-reads the figures rather than adding them up). Resolves to the way to stop.
   */
  watch(slug: string, onSale: () => void): Promise<() => void>;
  close(): Promise<void>;
}

export interface NatsSaleEventsOptions {
  url: string;
  /** The tenant's NATS user credentials (`.creds`); undefined when the tenant has none. */
  credentials(slug: string): Promise<Uint8Array | undefined>;
  logger?: Logger;
}

interface Watched {
  connection: Promise<NatsConnection>;
  listeners: Set<() => void>;
}

export function natsSaleEvents(options: NatsSaleEventsOptions): SaleEvents {
  const tenants = new Map<string, Watched>();
  const open = (slug: string): Watched => {
    const listeners = new Set<() => void>();
    const connection = (async () => {
      const creds = await options.credentials(slug);
      if (!creds) throw new Error(`tenant ${slug} has no NATS credentials for live figures`);
      const nc = await connect({
        servers: options.url,
        authenticator: credsAuthenticator(creds),
        name: `portal:${slug}`,
        maxReconnectAttempts: -1,
      });
      nc.subscribe(SALE_EVENT_SUBJECTS, {
        callback: (error, message) => {
          if (error) {
            options.logger?.warn({ err: error, tenant: slug }, 'sale events subscription failed');
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
                'cloudpos.tenant': slug,
              },
            },
            parent,
          );
          try {
            context.with(trace.setSpan(parent, span), () => {
              for (const listener of listeners) listener();
            });
          } finally {
            span.end();
          }
        },
      });
      return nc;
    })();
    const watched = { connection, listeners };
    // A failed connection is forgotten, so the next page to watch tries again.
    connection.catch(() => {
      if (tenants.get(slug) === watched) tenants.delete(slug);
    });
    tenants.set(slug, watched);
    return watched;
  };
  const release = (slug: string, watched: Watched) => {
    if (watched.listeners.size > 0) return;
    if (tenants.get(slug) === watched) tenants.delete(slug);
    void watched.connection.then((nc) => nc.close()).catch(() => {});
  };
  return {
    async watch(slug, onSale) {
      const watched = tenants.get(slug) ?? open(slug);
      watched.listeners.add(onSale);
      try {
        await watched.connection;
      } catch (error) {
        watched.listeners.delete(onSale);
        throw error;
      }
      return () => {
        watched.listeners.delete(onSale);
        release(slug, watched);
      };
    },
    async close() {
      const all = [...tenants.values()];
      tenants.clear();
      await Promise.allSettled(all.map(async (watched) => (await watched.connection).close()));
    },
  };
}
