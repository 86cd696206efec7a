// Products of a tenant: a page at a time (the API's cursor), or the results of a search by name,
// SKU or barcode; each links to its edit page.
import { Form, Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { Page, Product, SearchHit } from './types.ts';

export const meta = () => [{ title: 'Products · CloudPOS' }];

const PAGE_SIZE = 20;

interface Row {
  productId: string;
  name: string;
  skus: string;
  price: number | null;
  currency: string;
  active: boolean;
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  const url = new URL(request.url);
  const q = url.searchParams.get('q')?.trim().slice(0, 100) ?? '';
  const cursor = url.searchParams.get('cursor')?.slice(0, 1000) || undefined;
  try {
    if (q) {
      const { data } = await api.get<Page<SearchHit>>('/v1/catalog/search', {
        q,
        cursor,
        limit: PAGE_SIZE,
        includeInactive: true,
      });
      const rows: Row[] = data.items.map((hit) => ({
        productId: hit.productId,
        name: hit.name,
        skus: hit.sku,
        price: hit.unitPrice,
        currency: hit.currency,
        active: hit.active,
      }));
      return { q, cursor: cursor ?? null, rows, next: data.next };
    }
    const { data } = await api.get<Page<Product>>('/v1/catalog/products', { cursor, limit: PAGE_SIZE });
    const rows: Row[] = data.items.map((product) => {
      const price = product.variants[0]?.prices.find((candidate) => candidate.storeId === null);
      return {
        productId: product.id,
        name: product.name,
        skus: product.variants.map((variant) => variant.sku).join(', '),
        price: price?.amount ?? null,
        currency: price?.currency ?? tenant.currency,
        active: product.active,
      };
    });
    return { q, cursor: cursor ?? null, rows, next: data.next };
  } catch (error) {
    if ((error as { code?: string }).code === 'invalid_cursor')
      return { q, cursor: null, rows: [], next: null, stale: true };
    return loaderError(error);
  }
}

export default function Products() {
  const data = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const base = `/tenants/${tenant.slug}/manage/products`;
  const pageLink = (cursor: string) =>
    `${base}?${new URLSearchParams({ ...(data.q ? { q: data.q } : {}), cursor }).toString()}`;
  return (
    <section className="card">
      <h1>Products</h1>
      <div className="actions">
        <Link className="button" to={`${base}/new`}>
          Add a product
        </Link>
        <Link className="button secondary" to={`${base}/import`}>
          Import from CSV
        </Link>
      </div>
      <Form method="get" role="search" className="search">
        <label htmlFor="product-search">Search by name, SKU or barcode</label>
        <div className="inline">
          <input id="product-search" name="q" type="search" defaultValue={data.q} maxLength={100} />
          <button type="submit" className="secondary">
            Search
          </button>
        </div>
      </Form>
      {'stale' in data ? (
        <p className="banner" role="status">
          That page is no longer available. <Link to={base}>Start from the first page</Link>.
        </p>
      ) : null}
      {data.rows.length === 0 ? <p>{data.q ? `Nothing matches “${data.q}”.` : 'No products yet.'}</p> : null}
      <ul className="rows" aria-label="Products">
        {data.rows.map((row) => (
          <li key={`${row.productId}-${row.skus}`} className="row">
            <div>
              <Link to={`${base}/${row.productId}`}>{row.name}</Link>{' '}
              <span className="muted">SKU {row.skus}</span>
              {row.active ? null : <span className="tag">inactive</span>}
            </div>
            <div className="price">
              {row.price === null ? (
                <span className="muted">no price</span>
              ) : (
                formatMoney(row.price, row.currency, tenant.locale)
              )}
            </div>
          </li>
        ))}
      </ul>
      <nav aria-label="Pages" className="actions">
        {data.cursor ? (
          <Link className="button secondary" to={data.q ? `${base}?q=${encodeURIComponent(data.q)}` : base}>
            First page
          </Link>
        ) : null}
        {data.next ? (
          <Link className="button secondary" to={pageLink(data.next)}>
            Next page
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
