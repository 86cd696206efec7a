// GET /v1/sales/events: the tenant's sales and returns as Server-Sent Events, as they reach its
// NATS stream, for dashboards (the portal's live figure) and a merchant's own integrations. One
// event per sale or return (`sale.completed`, `sale.refunded`; at least once, so a reader re-reads
// figures rather than adding events up), a comment every 25 s to keep proxies from closing an idle
// connection, and the end after 10 minutes (an EventSource reconnects by itself, through
// authentication again). Needs `reports.read`; reads nothing from the database.
import type { FastifyInstance } from 'fastify';
import { PassThrough } from 'node:stream';
import { Type } from 'typebox';
import { problem, problemResponses } from '../errors.ts';
import { permissionProblems, requirePermission } from '../staff/require-permission.ts';
import type { SaleEvents } from './sale-events.ts';

export interface EventRoutesOptions {
  /** Undefined where this server cannot reach its tenants' NATS accounts: the route says so. */
  saleEvents: SaleEvents | undefined;
  /** How long one stream lasts, and how often an idle one says it is alive. */
  streamMs?: number;
  keepAliveMs?: number;
}

// Without the TypeBox provider: the 200 answer is a stream, not a value its schema types.
export async function eventRoutes(app: FastifyInstance, options: EventRoutesOptions) {
  const { saleEvents, streamMs = 10 * 60_000, keepAliveMs = 25_000 } = options;
  // Open streams end when the server begins to close, instead of holding its shutdown.
  const open = new Set<PassThrough>();
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get(
    '/sales/events',
    {
      schema: {
        tags: ['sales'],
        summary:
          'Sales and returns as they happen, as Server-Sent Events: `sale.completed`, `sale.refunded` (reports.read)',
        security: [{ bearerAuth: [] }],
        response: {
          200: {
            description:
              'An event stream: `event: sale.completed` (or `sale.refunded`) with `data: {"saleId","storeId","traceparent"}`, at least once per sale; it ends after 10 minutes',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...problemResponses(...permissionProblems('reports.read'), 'events_unavailable'),
        },
      },
      preHandler: requirePermission('reports.read', { audit: false }),
    },
    async (request, reply) => {
      if (!saleEvents) throw problem('events_unavailable', 'this server does not reach the tenant’s events');
      const stream = new PassThrough();
      const send = (text: string) => {
        if (!stream.writableEnded) stream.write(text);
      };
      let stop: (() => void) | undefined;
      try {
        stop = await saleEvents.watch(request.ctx.tenant.slug, (event) => {
          const data = { saleId: event.saleId, storeId: event.storeId, traceparent: event.traceparent };
          send(`event: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`);
        });
      } catch (error) {
        request.log.warn({ err: error }, 'sale events unavailable');
        throw problem('events_unavailable', 'the tenant’s events cannot be reached now: try again shortly');
      }
      open.add(stream);
      const keepAlive = setInterval(() => send(': keep-alive\n\n'), keepAliveMs);
      const end = setTimeout(() => stream.end(), streamMs);
      const finish = () => {
        clearInterval(keepAlive);
        clearTimeout(end);
        open.delete(stream);
        stop?.();
        stop = undefined;
      };
      stream.on('close', finish);
      stream.on('finish', finish);
      reply.raw.on('close', () => stream.end());
      // Opened: the reader knows the subscription is in place before the first sale.
      send(': watching\n\n');
      return (
        reply
          .type('text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('x-accel-buffering', 'no')
          // Not kept alive for another request: a server shutting down would wait for the idle socket.
          .header('connection', 'close')
          .send(stream)
      );
    },
  );
}
