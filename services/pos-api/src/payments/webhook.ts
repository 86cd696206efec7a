// POST /v1/payments/<provider>/webhook: where the payment provider reports outcomes. The route is
// public (no staff token: the provider's signature over the raw body is the authentication), reads
// the body as bytes (only here: every other route keeps Fastify's JSON parser), and then:
//
//   1. verifies the signature: missing, wrong or stale → 400 webhook_signature_invalid, nothing stored
//   2. finds the tenant from the event's metadata.tenant; it must be the request's tenant (dedicated:
//      the configured one; pooled: the host name's). An event for another tenant, or one that is not
//      ours (no tenant: e.g. the portal's billing events on the same account), is acknowledged and
//      ignored: every endpoint of a shared account receives every event, and a 4xx would only make
//      the provider retry it for days.
//   3. records the event id in the tenant's provider_event table and calls onPaymentEvent in the SAME
//      transaction: a redelivered event finds its row and is acknowledged without being handled again;
//      a handler that fails rolls the row back and answers 500, so the provider delivers it again.
import { ProviderEvent } from '@cloudpos/tenant-db';
import type { QueryResult } from '@mikro-orm/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { problem, problemResponses } from '../errors.ts';
import type { RequestContext } from '../tenancy/context.ts';
import { PaymentProviderError, type PaymentEvent, type PaymentProvider } from './provider.ts';

export interface PaymentWebhookOptions {
  provider: PaymentProvider;
  /**
   * The checkout's reaction to a payment outcome (payment.succeeded, refund.failed...). It runs in
   * the transaction that records the event (`ctx.em` is that transaction's EntityManager) and is
   * called once per event id; it must still be idempotent by providerRef, because one outcome can
   * be reported by more than one event (refund.created, then refund.updated).
   */
  onPaymentEvent: (ctx: RequestContext, event: PaymentEvent) => Promise<void>;
  /**
   * The context of the tenant an event names, or undefined when this API does not serve it.
   * Default: the request's own tenant (request.ctx, set by the tenancy plugin) when the event
   * names that tenant. A pooled API that receives one endpoint's events for every tenant passes a
   * directory lookup here instead.
   */
  resolveTenant?: (slug: string, request: FastifyRequest) => Promise<RequestContext | undefined>;
  /** Largest event body accepted (Stripe's events are a few KiB). */
  bodyLimit?: number;
}

export const WebhookAckSchema = Type.Object({
  received: Type.Literal(true),
  outcome: Type.Union([Type.Literal('processed'), Type.Literal('duplicate'), Type.Literal('ignored')]),
  reason: Type.Optional(Type.String()),
});

/** Register with `{ prefix: '/v1' }`, after the tenancy plugin. */
export async function paymentWebhookRoutes(app: FastifyInstance, options: PaymentWebhookOptions) {
  const { provider, onPaymentEvent } = options;
  const resolveTenant =
    options.resolveTenant ??
    (async (slug: string, request: FastifyRequest) =>
      request.ctx && !request.ctx.unknownTenant && request.ctx.tenant.slug === slug
        ? request.ctx
        : undefined);
  const bodyLimit = options.bodyLimit ?? 256 * 1024;

  // This plugin is encapsulated (not fastify-plugin): the raw-body parser applies to its routes only.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    `/payments/${provider.name}/webhook`,
    {
      bodyLimit,
      // The provider signs its events; there is no staff member. A suspended tenant still learns
      // what happened to money that already moved.
      // A host naming a tenant that does not exist gets the same checks and answers (the signature
      // first; a genuine event for it is then one "for a tenant this API does not serve").
      config: { public: true, allowWhenReadOnly: true, whenTenantUnknown: 'handler' },
      schema: {
        tags: ['payments'],
        summary: `Payment outcomes from ${provider.name} (signed webhook events)`,
        response: { 200: WebhookAckSchema, ...problemResponses('webhook_signature_invalid') },
      },
    },
    async (request) => {
      const signature = request.headers[provider.signatureHeader];
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw problem('webhook_signature_invalid', 'the request has no body');
      let event: PaymentEvent;
      try {
        event = provider.verifyWebhook(body, Array.isArray(signature) ? signature[0] : signature);
      } catch (error) {
        if (error instanceof PaymentProviderError && error.code === 'webhook_signature_invalid') {
          request.log.warn({ reason: error.message }, 'payment webhook with an invalid signature');
          throw problem('webhook_signature_invalid', error.message);
        }
        throw error;
      }
      const log = request.log.child({ eventId: event.id, eventType: event.rawType, tenant: event.tenant });
      const ignored = (reason: string) => {
        log.info({ reason }, 'payment webhook ignored');
        return { received: true as const, outcome: 'ignored' as const, reason };
      };
      if (event.type === 'other') return ignored('not a payment outcome');
      if (!event.tenant) return ignored('not a CloudPOS payment (no tenant in its metadata)');
      const ctx = await resolveTenant(event.tenant, request);
      if (!ctx) return ignored('for a tenant this API does not serve');

      const outcome = await ctx.em.transactional(async (em) => {
        const result = await em
          .createQueryBuilder(ProviderEvent)
          .insert({ id: event.id, provider: event.provider, type: event.rawType })
          .onConflict('id')
          .ignore()
          .execute<QueryResult>('run');
        if (result.affectedRows === 0) return 'duplicate' as const;
        await onPaymentEvent({ ...ctx, em }, event);
        return 'processed' as const;
      });
      log.info({ outcome }, 'payment webhook');
      return { received: true as const, outcome };
    },
  );
}
