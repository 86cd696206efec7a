import {
  Link,
  redirect,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { ActionForm, FormError } from '../form-kit.tsx';
import { fieldErrors, formObject, switchAccountSchema } from '../forms.ts';
import { requireUser, servicesOf } from '../guards.server.ts';
import { can } from '../rights.ts';

export const meta = () => [{ title: 'CloudPOS · point of sale for your stores' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const services = servicesOf(context);
  const user = await services.sessions.userOf(request);
  if (!user) return { user: null, tenants: [], accounts: [] };
  return {
    user: {
      emailVerified: user.emailVerified,
      accountName: user.accountName,
      role: user.role,
      canPay: can(user.role, 'billing.manage'),
    },
    tenants: await services.tenantsOf(user),
    accounts: await services.accountsOf(user),
  };
}

/** Someone who belongs to several merchant accounts works in one at a time. */
export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const values = formObject(await request.formData());
  const parsed = switchAccountSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  try {
    await servicesOf(context).switchAccount(user, parsed.data.accountId);
  } catch (error) {
    return fromPortalError(error, values);
  }
  return redirect('/');
}

const STATE_LABEL = {
  awaiting_payment: 'Waiting for payment',
  provisioning: 'Being set up',
  provisioned: 'Set up',
  failed: 'Failed',
} as const;

export default function Home() {
  const { user, tenants, accounts } = useLoaderData<typeof loader>();
  const switched = useActionData<typeof action>();
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
      <p className="muted">
        {user.accountName} · you are {user.role === 'owner' ? 'an owner' : 'a manager'}
      </p>
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
      <div className="actions">
        {user.canPay ? (
          <Link className="button" to="/plans">
            Add a store
          </Link>
        ) : null}
        <Link className="button secondary" to="/team">
          Team
        </Link>
      </div>
      {accounts.length > 1 ? (
        <section aria-labelledby="accounts-heading">
          <h2 id="accounts-heading">Your other businesses</h2>
          <FormError message={switched?.errors.form ?? switched?.errors.accountId} />
          <ul className="rows">
            {accounts
              .filter((account) => !account.current)
              .map((account) => (
                <li key={account.accountId} className="row">
                  <span>
                    <strong>{account.name}</strong> <span className="tag">{account.role}</span>
                  </span>
                  <ActionForm block fields={{ accountId: account.accountId }}>
                    <button type="submit" className="secondary" aria-label={`Switch to ${account.name}`}>
                      Switch
                    </button>
                  </ActionForm>
                </li>
              ))}
          </ul>
        </section>
      ) : null}
    </section>
  );
}
