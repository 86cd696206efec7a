// The body of POST /v1/traces: an OTLP/HTTP JSON ExportTraceServiceRequest, as OpenTelemetry's
// exporter-trace-otlp-http writes it in the till. The schema holds the outline; the spans inside
// are checked by @cloudpos/telemetry (remoteSpansFromOtlpJson), which knows the format to its
// last field and stops after a few errors: Ajv with allErrors would answer a hostile 256 KB body
// with one error per bad field.
import { REMOTE_SPAN_LIMITS } from '@cloudpos/telemetry';
import { Type } from 'typebox';

export const TraceRequestSchema = Type.Object(
  {
    resourceSpans: Type.Optional(
      Type.Array(
        Type.Object(
          {},
          {
            additionalProperties: true,
            description:
              'OTLP ResourceSpans: `resource` (ignored: the API sets service.name `till` and cloudpos.tenant), ' +
              '`scopeSpans[]` with `scope` and `spans[]`',
          },
        ),
        { maxItems: REMOTE_SPAN_LIMITS.resourceSpans },
      ),
    ),
  },
  {
    additionalProperties: false,
    title: 'ExportTraceServiceRequest',
    description:
      'OTLP/HTTP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). Ids are lowercase hex ' +
      '(trace 32, span 16 characters), times are nanoseconds since the epoch as decimal strings, attribute ' +
      `values are flat (string, bool, int, double, or an array of one of those). At most ${REMOTE_SPAN_LIMITS.spans} ` +
      `spans, ${REMOTE_SPAN_LIMITS.attributes} attributes and ${REMOTE_SPAN_LIMITS.events} events per span, ` +
      `names of ${REMOTE_SPAN_LIMITS.nameLength} and values of ${REMOTE_SPAN_LIMITS.attributeValueLength} characters. ` +
      'Attributes naming a service or tenant (service.*, cloudpos.tenant) or carrying HTTP headers are dropped.',
  },
);
