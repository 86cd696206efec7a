// POST /v1/traces: the till's browser spans (OTLP/HTTP JSON, sent by its OpenTelemetry exporter to
// its own origin) join the platform's traces, so that one sale's trace starts at the till's tap.
// The spans are checked and given the server's resource (service.name `till`, cloudpos.tenant the
// request's tenant), never the body's: a till cannot write spans as another tenant or service. Only
// a till sends them (a staff member's token); without a trace exporter they are dropped after the
// same checks (204 either way: the till has nothing to do about it).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { claimedSpanCount, exportRemoteSpans, remoteSpansFromOtlpJson } from '@cloudpos/telemetry';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { problem, problemResponses } from '../errors.ts';
import { staffActorOf } from '../tenancy/context.ts';
import type { BrowserSpanMetrics } from './metrics.ts';
import { TraceRequestSchema } from './schemas.ts';

/** A batch of the till's exporter is a few dozen kilobytes; the API's 1 MiB is far more than needed. */
export const TRACE_BODY_LIMIT = 256 * 1024;

export interface TraceRoutesOptions {
  metrics: BrowserSpanMetrics;
}

export async function traceRoutes(parent: FastifyInstance, { metrics }: TraceRoutesOptions) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/traces',
    {
      bodyLimit: TRACE_BODY_LIMIT,
      // Spans are not the tenant's data: a suspended tenant's tills still report how they fare.
      config: { allowWhenReadOnly: true },
      schema: {
        tags: ['telemetry'],
        summary: 'The till’s browser spans (OTLP/HTTP JSON), into the platform’s traces',
        security: [{ bearerAuth: [] }],
        body: TraceRequestSchema,
        response: {
          204: Type.Null({ description: 'Taken (or dropped when this server exports no traces)' }),
          ...problemResponses('forbidden'),
        },
      },
    },
    async (request, reply) => {
      const { ctx } = request;
      staffActorOf(ctx);
      const tenant = ctx.tenant.slug;
      const received = remoteSpansFromOtlpJson(request.body, {
        'service.name': 'till',
        'cloudpos.tenant': tenant,
      });
      if (!received.ok) {
        metrics.counted(tenant, 'refused', claimedSpanCount(request.body));
        throw problem(
          'validation_failed',
          received.errors.map((error) => `${error.path} ${error.message}`).join('; '),
          { extensions: { errors: received.errors } },
        );
      }
      const exported = exportRemoteSpans(received.spans);
      metrics.counted(tenant, exported ? 'accepted' : 'dropped', received.spans.length);
      return reply.code(204).send(null);
    },
  );
}
