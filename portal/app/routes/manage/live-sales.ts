// Today's takings as Server-Sent Events (`takings`, then again after every sale or return of the
// tenant; `live`: whether they follow the tenant's events or are re-read every 10 s). The events
// come from the tenant's POS API (GET /v1/sales/events, read from its NATS stream there), as the
// signed-in user, like the figures: the portal holds no tenant's NATS credentials, in a cluster or
// under `npm start`. The figures are always re-read, never added up here: an event delivered twice,
// a return or a new day cannot make them wrong. Each re-read after an event continues the sale's
// trace (the event's traceparent).
import { extractTraceContext } from '@cloudpos/telemetry';
import { context as traceContext } from '@opentelemetry/api';
import type { LoaderFunctionArgs } from 'react-router';
import { eventStream } from '../../event-stream.server.ts';
import { servicesOf } from '../../guards.server.ts';
import { isPosApiError, posApiMessage, requireStore } from '../../manage.server.ts';
import { todaysTakings } from '../../takings.server.ts';

/** How often the figures are re-read anyway: without the tenant's events, and with them (for the change of day). */
const REREAD_MS = { polling: 10_000, live: 60_000 };

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  const services = servicesOf(context);
  return eventStream({ request, closing: services.closing }, async ({ send, signal }) => {
    // One read at a time; events arriving meanwhile make one more read after it.
    let reading: Promise<void> | undefined;
    let again = false;
    const read = async () => {
      try {
        send('takings', await todaysTakings(api, tenant));
      } catch (error) {
        if (!isPosApiError(error)) throw error;
        send('unavailable', posApiMessage(error));
      }
    };
    const refresh = () => {
      if (signal.aborted) return;
      if (reading) {
        again = true;
        return;
      }
      reading = (async () => {
        do {
          again = false;
          await read();
        } while (again && !signal.aborted);
      })()
        .catch(() => send('unavailable', 'The store’s system had a problem. Try again in a minute.'))
        .finally(() => {
          reading = undefined;
        });
    };
    let timer: ReturnType<typeof setInterval> | undefined;
    const rereadEvery = (ms: number) => {
      clearInterval(timer);
      timer = setInterval(refresh, ms);
    };
    const watching = new AbortController();
    let live = false;
    try {
      await api.watch(
        '/v1/sales/events',
        {
          onEvent: ({ type, data }) => {
            if (!type.startsWith('sale.')) return;
            const { traceparent } = JSON.parse(data) as { traceparent?: string };
            const carrier = new Map(traceparent ? [['traceparent', traceparent]] : []);
            traceContext.with(extractTraceContext(carrier), refresh);
          },
          // The API ended the stream (after its 10 minutes, or going away): re-read on the timer.
          onEnd: () => {
            if (signal.aborted) return;
            send('live', false);
            rereadEvery(REREAD_MS.polling);
          },
        },
        AbortSignal.any([signal, watching.signal]),
      );
      live = true;
    } catch (error) {
      // No events now (the API cannot reach them): the figures are re-read on the timer.
      if (!isPosApiError(error)) throw error;
    }
    send('live', live);
    // After subscribing: a sale between the page's load and now is in this first read.
    refresh();
    rereadEvery(live ? REREAD_MS.live : REREAD_MS.polling);
    return () => {
      clearInterval(timer);
      watching.abort();
    };
  });
}
