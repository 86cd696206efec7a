// A tenant's store-management home: its stores and registers at a glance, read from its POS API.
import { Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { loaderError, requireStore } from '../../manage.server.ts';
import type { Page, Register, Store } from './types.ts';

export const meta = () => [{ title: 'Store management · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  try {
    const [stores, registers] = await Promise.all([
      api.get<Page<Store>>('/v1/stores'),
      api.get<Page<Register>>('/v1/devices'),
    ]);
    return {
      slug: tenant.slug,
      displayName: tenant.displayName,
      stores: stores.data.items,
      activeRegisters: registers.data.items.filter((register) => !register.revokedAt).length,
    };
  } catch (error) {
    return loaderError(error);
  }
}

export default function ManageHome() {
  const { slug, displayName, stores, activeRegisters } = useLoaderData<typeof loader>();
  const base = `/tenants/${slug}/manage`;
  return (
    <section className="card">
      <h1>{displayName}: store management</h1>
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
