// A tenant's store-management home: today's takings, live (the tenant's sale events, streamed by
// the live-sales resource route), and its stores and registers at a glance, read from its POS API.
import { useEffect, useState } from 'react';
import { Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney } from '../../money.ts';
import { todaysTakings, type Takings } from '../../takings.server.ts';
import { useTenant } from './layout.tsx';
import type { Page, Register, Store } from './types.ts';

export const meta = () => [{ title: 'Store management · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  try {
    const [stores, registers, takings] = await Promise.all([
      api.get<Page<Store>>('/v1/stores'),
      api.get<Page<Register>>('/v1/devices'),
      todaysTakings(api, tenant),
    ]);
    return {
      slug: tenant.slug,
      displayName: tenant.displayName,
      stores: stores.data.items,
      activeRegisters: registers.data.items.filter((register) => !register.revokedAt).length,
      takings,
    };
  } catch (error) {
    return loaderError(error);
  }
}

/** The tenant's calendar day (YYYY-MM-DD) in its locale: "December 6, 2026", "6. Dezember 2026". */
const dayText = (date: string, locale: string) =>
  new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
    Date.parse(`${date}T00:00:00Z`),
  );

type Connection = 'connecting' | 'live' | 'polling' | 'lost';

const CONNECTION: Record<Connection, string> = {
  connecting: 'Connecting…',
  live: 'Live: updates with every sale',
  polling: 'Updates every 10 seconds',
  lost: 'Connection lost: reconnecting…',
};

/** Today's figure, replaced by each `takings` event of the stream while the page is open. */
function useLiveTakings(slug: string, initial: Takings) {
  const [takings, setTakings] = useState(initial);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    const source = new EventSource(`/tenants/${slug}/manage/live-sales`);
    source.addEventListener('takings', (event) => {
      setTakings(JSON.parse((event as MessageEvent<string>).data) as Takings);
      setProblem(undefined);
    });
    source.addEventListener('live', (event) =>
      setConnection(JSON.parse((event as MessageEvent<string>).data) ? 'live' : 'polling'),
    );
    source.addEventListener('unavailable', (event) =>
      setProblem(JSON.parse((event as MessageEvent<string>).data) as string),
    );
    // EventSource reconnects by itself; the next `live` event says how it came back.
    source.addEventListener('error', () => setConnection('lost'));
    return () => source.close();
  }, [slug]);
  return { takings, connection, problem };
}

function TodaysTakings({ slug, initial }: { slug: string; initial: Takings }) {
  const tenant = useTenant();
  const { takings, connection, problem } = useLiveTakings(slug, initial);
  const money = (minor: number) => formatMoney(minor, takings.currency, tenant.locale);
  return (
    <section className="takings" aria-labelledby="takings-title">
      <h2 id="takings-title">Today’s sales</h2>
      <p className="takings-figure" aria-live="polite" aria-atomic="true" data-testid="takings">
        <strong className="takings-amount">{money(takings.netAmount)}</strong>{' '}
        <span className="takings-count">
          {takings.salesCount} {takings.salesCount === 1 ? 'sale' : 'sales'}
          {takings.returnsCount > 0
            ? ` · ${takings.returnsCount} ${takings.returnsCount === 1 ? 'return' : 'returns'} (${money(takings.returnsAmount)})`
            : ''}
        </span>
      </p>
      <p className="muted">
        <time dateTime={takings.date}>{dayText(takings.date, tenant.locale)}</time> ·{' '}
        <span data-testid="takings-connection">{CONNECTION[connection]}</span>
      </p>
      {problem ? (
        <p className="banner" role="status">
          {problem}
        </p>
      ) : null}
    </section>
  );
}

export default function ManageHome() {
  const { slug, displayName, stores, activeRegisters, takings } = useLoaderData<typeof loader>();
  const base = `/tenants/${slug}/manage`;
  return (
    <section className="card">
      <h1>{displayName}: store management</h1>
      <TodaysTakings slug={slug} initial={takings} />
      <ul className="summary">
        <li>
          <strong>{stores.length}</strong> open {stores.length === 1 ? 'store' : 'stores'}:{' '}
          {stores.map((store) => store.name).join(', ')}
        </li>
        <li>
          <strong>{activeRegisters}</strong> active {activeRegisters === 1 ? 'register' : 'registers'}
        </li>
      </ul>
      <div className="actions">
        <Link className="button" to={`${base}/products/new`}>
          Add a product
        </Link>
        <Link className="button secondary" to={`${base}/stores`}>
          Stores
        </Link>
        <Link className="button secondary" to={`${base}/sales`}>
          Sales
        </Link>
      </div>
    </section>
  );
}
