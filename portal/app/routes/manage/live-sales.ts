// Today's takings as Server-Sent Events (`takings`, then again after every sale or return of the
// tenant; `live`: whether they come from the tenant's event stream or are re-read every 10 s).
// The figures are always re-read from the POS API as the signed-in user, never added up here: an
// event delivered twice, a return or a new day cannot make them wrong.
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
    let unwatch: (() => void) | undefined;
    try {
      unwatch = await services.saleEvents?.watch(tenant.slug, refresh);
    } catch {
      // No events now (NATS away): the figures are re-read on the timer; the next connection tries again.
    }
    send('live', unwatch !== undefined);
    // After subscribing: a sale between the page's load and now is in this first read.
    refresh();
    const timer = setInterval(refresh, unwatch ? REREAD_MS.live : REREAD_MS.polling);
    return () => {
      clearInterval(timer);
      unwatch?.();
    };
  });
}
