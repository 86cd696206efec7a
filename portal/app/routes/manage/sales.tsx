// Sales of a tenant, newest first, a page at a time; each opens its receipt.
import { Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney, utcMinute } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { Page, SaleSummary } from './types.ts';

export const meta = () => [{ title: 'Sales · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const cursor = new URL(request.url).searchParams.get('cursor')?.slice(0, 200) || undefined;
  try {
    const { data } = await api.get<Page<SaleSummary>>('/v1/sales', { limit: 25, cursor });
    return { sales: data.items, next: data.next, paged: cursor !== undefined };
  } catch (error) {
    if ((error as { code?: string }).code === 'invalid_cursor') return { sales: [], next: null, paged: true };
    return loaderError(error);
  }
}

const STATUS = { open: 'parked', completed: 'completed', voided: 'voided' } as const;

export default function Sales() {
  const { sales, next, paged } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const base = `/tenants/${tenant.slug}/manage/sales`;
  return (
    <section className="card">
      <h1>Sales</h1>
      {sales.length === 0 ? <p>No sales on this page.</p> : null}
      <ul className="rows" aria-label="Sales">
        {sales.map((sale) => (
          <li key={sale.id} className="row">
            <div>
              <Link to={`${base}/${sale.id}`}>{sale.receiptNumber ?? 'No receipt number'}</Link>{' '}
              {sale.kind === 'return' ? <span className="tag">return</span> : null}
              <span className="tag">{STATUS[sale.status as keyof typeof STATUS] ?? sale.status}</span>{' '}
              <span className="muted">{utcMinute(sale.completedAt ?? sale.createdAt)}</span>
            </div>
            <div className="price">{formatMoney(sale.total, sale.currency, tenant.locale)}</div>
          </li>
        ))}
      </ul>
      <nav aria-label="Pages" className="actions">
        {paged ? (
          <Link className="button secondary" to={base}>
            Newest
          </Link>
        ) : null}
        {next ? (
          <Link className="button secondary" to={`${base}?cursor=${encodeURIComponent(next)}`}>
            Older sales
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
