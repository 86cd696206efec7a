// Products of a tenant: a page at a time (the API's cursor), or the results of a search by name,
// SKU or barcode; each links to its edit page. Prices are those of all stores, or of the store
// chosen (its own price where it has one: the search asks the API, which prices as a till there does).
import { Form, Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { Page, Product, SearchHit, Store } from './types.ts';

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
    const { data: openStores } = await api.get<Page<Store>>('/v1/stores');
    const stores = openStores.items.map(({ id, name, currency }) => ({ id, name, currency }));
    const store = stores.find((candidate) => candidate.id === url.searchParams.get('store'));
    if (q) {
      const { data } = await api.get<Page<SearchHit>>('/v1/catalog/search', {
        q,
        cursor,
        limit: PAGE_SIZE,
        includeInactive: true,
        storeId: store?.id,
      });
      const rows: Row[] = data.items.map((hit) => ({
        productId: hit.productId,
        name: hit.name,
        skus: hit.sku,
        price: hit.unitPrice,
        currency: hit.currency,
        active: hit.active,
      }));
      return { q, cursor: cursor ?? null, rows, next: data.next, stores, storeId: store?.id ?? '' };
    }
    const { data } = await api.get<Page<Product>>('/v1/catalog/products', { cursor, limit: PAGE_SIZE });
    const rows: Row[] = data.items.map((product) => {
      const prices = product.variants[0]?.prices ?? [];
      const currency = store?.currency ?? tenant.currency;
      const price =
        (store && prices.find((candidate) => candidate.storeId === store.id)) ??
        prices.find((candidate) => candidate.storeId === null && candidate.currency === currency);
      return {
        productId: product.id,
        name: product.name,
        skus: product.variants.map((variant) => variant.sku).join(', '),
        price: price?.amount ?? null,
        currency: price?.currency ?? currency,
        active: product.active,
      };
    });
    return { q, cursor: cursor ?? null, rows, next: data.next, stores, storeId: store?.id ?? '' };
  } catch (error) {
    if ((error as { code?: string }).code === 'invalid_cursor')
      return { q, cursor: null, rows: [], next: null, stale: true, stores: [], storeId: '' };
    return loaderError(error);
  }
}

export default function Products() {
  const data = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const base = `/tenants/${tenant.slug}/manage/products`;
  const pageLink = (cursor: string) =>
    `${base}?${new URLSearchParams({
      ...(data.q ? { q: data.q } : {}),
      ...(data.storeId ? { store: data.storeId } : {}),
      cursor,
    }).toString()}`;
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
        {data.stores.length > 0 ? (
          <div className="field">
            <label htmlFor="product-store">Prices for</label>
            <select id="product-store" name="store" defaultValue={data.storeId}>
              <option value="">All stores</option>
              {data.stores.map((store) => (
                <option key={store.id} value={store.id}>
                  {store.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
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
