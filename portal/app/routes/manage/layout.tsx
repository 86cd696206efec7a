// Store management of one tenant: the tenant's name, the user's role and the sections. Each child
// page's loader reads the tenant's POS API itself, as the signed-in user.
import {
  Link,
  NavLink,
  Outlet,
  useLoaderData,
  useRouteLoaderData,
  type LoaderFunctionArgs,
} from 'react-router';
import { requireStore } from '../../manage.server.ts';

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { tenant } = await requireStore(context, request, params.slug);
  return tenant;
}

export type ManagedTenant = Awaited<ReturnType<typeof loader>>;

/** The tenant of the page, for child routes. */
export function useTenant(): ManagedTenant {
  return useRouteLoaderData<typeof loader>('manage')!;
}

const SECTIONS = [
  ['', 'Overview'],
  ['stores', 'Stores'],
  ['registers', 'Registers'],
  ['products', 'Products'],
  ['categories', 'Categories'],
  ['taxes', 'Taxes'],
  ['staff', 'Staff'],
  ['settings', 'Settings'],
  ['sales', 'Sales'],
  ['audit', 'Audit log'],
] as const;

export default function ManageLayout() {
  const tenant = useLoaderData<typeof loader>();
  const base = `/tenants/${tenant.slug}/manage`;
  return (
    <div className="manage">
      <p className="crumbs">
        <Link to={`/tenants/${tenant.slug}`}>{tenant.displayName}</Link>
        <span className="muted"> · signed in as {tenant.role}</span>
      </p>
      <nav aria-label="Store management" className="sections">
        <ul>
          {SECTIONS.map(([path, label]) => (
            <li key={path}>
              <NavLink to={path ? `${base}/${path}` : base} end={path === ''}>
                {label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
