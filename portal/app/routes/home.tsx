import { Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { servicesOf } from '../guards.server.ts';

export const meta = () => [{ title: 'CloudPOS · point of sale for your stores' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const services = servicesOf(context);
  const user = await services.sessions.userOf(request);
  if (!user) return { user: null, tenants: [] };
  return { user: { emailVerified: user.emailVerified }, tenants: await services.tenantsOf(user) };
}

const STATE_LABEL = {
  awaiting_payment: 'Waiting for payment',
  provisioning: 'Being set up',
  provisioned: 'Set up',
  failed: 'Failed',
} as const;

export default function Home() {
  const { user, tenants } = useLoaderData<typeof loader>();
  if (!user) {
    return (
      <section className="card hero">
        <h1>Point of sale for your stores, running in a minute</h1>
        <p>Sign up, choose a plan, pay, and get your own till on the web. No installation.</p>
        <div className="actions">
          <Link className="button" to="/signup">
            Create an account
          </Link>
          <Link className="button secondary" to="/login">
            Log in
          </Link>
        </div>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>Your stores</h1>
      {!user.emailVerified ? (
        <p className="banner">
          Confirm your e-mail address first: <Link to="/check-email">see how</Link>.
        </p>
      ) : null}
      {tenants.length === 0 ? <p>You have no store yet.</p> : null}
      <ul className="tenants">
        {tenants.map((tenant) => (
          <li key={tenant.id}>
            <Link to={`/tenants/${tenant.slug}`}>{tenant.displayName}</Link>
            <span className="muted">
              {' '}
              {tenant.plan} · {STATE_LABEL[tenant.state]}
            </span>
          </li>
        ))}
      </ul>
      <Link className="button" to="/plans">
        Add a store
      </Link>
    </section>
  );
}
