// A tenant's page: provisioning progress (the operator's conditions, re-read every second while it
// is not Ready), then the till's URL and the first owner's one-time setup code.
import { useEffect } from 'react';
import { data, Link, useLoaderData, useRevalidator, type LoaderFunctionArgs } from 'react-router';
import { requireUser, servicesOf } from '../guards.server.ts';
import { can } from '../rights.ts';

export const meta = () => [{ title: 'Your store · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  try {
    const tenant = await servicesOf(context).tenantOf(user, params.slug ?? '');
    return { ...tenant, canManageBilling: can(user.role, 'billing.manage') && tenant.billing !== null };
  } catch (error) {
    if ((error as { code?: string }).code === 'not_found')
      throw data('No such store in your account.', { status: 404 });
    throw error;
  }
}

/** The operator's condition types, in words a merchant reads. */
const STEP_LABEL: Record<string, string> = {
  DatabaseReady: 'Database',
  MessagingReady: 'Messaging',
  WorkloadsReady: 'Till service',
  Ready: 'Ready to sell',
};
const STEP_ORDER = ['DatabaseReady', 'MessagingReady', 'WorkloadsReady', 'Ready'];
const stepRank = (type: string) => (STEP_ORDER.includes(type) ? STEP_ORDER.indexOf(type) : STEP_ORDER.length);

/** The till is served at /till/ on the tenant's own host. */
const tillUrlOf = (tenantUrl: string | undefined) =>
  tenantUrl ? new URL('/till/', tenantUrl).toString() : undefined;

const isReady = (tenant: ReturnType<typeof useLoaderData<typeof loader>>) =>
  tenant.observed?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export default function TenantPage() {
  const tenant = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const ready = isReady(tenant);
  const suspended = (tenant.billing?.suspended ?? false) || tenant.suspendedByOperator;
  const settled = ready || (suspended && tenant.observed?.phase === 'Suspended');
  useEffect(() => {
    if (settled) return;
    const timer = setInterval(() => {
      if (revalidator.state === 'idle') void revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [settled, revalidator]);

  return (
    <section className="card">
      <h1>{tenant.displayName}</h1>
      <p className="muted">
        Plan {tenant.plan} · {tenant.slug}
      </p>
      {tenant.canManageBilling ? (
        <p>
          <Link to={`/tenants/${tenant.slug}/billing`}>Billing and plan</Link>
        </p>
      ) : null}
      {tenant.state === 'awaiting_payment' ? (
        <p className="banner" role="status">
          Waiting for the payment to be confirmed…
        </p>
      ) : null}
      {tenant.suspendedByOperator ? (
        <p className="error banner" role="alert">
          Suspended by CloudPOS. The tills can look things up but not sell. Contact CloudPOS support.
        </p>
      ) : suspended ? (
        <p className="error banner" role="alert">
          Suspended: the subscription is not paid. The tills can look things up but not sell until the payment
          goes through.
        </p>
      ) : tenant.billing?.graceEndsAt ? (
        <p className="banner" role="alert">
          Payment failed. Update your payment method before{' '}
          {new Date(tenant.billing.graceEndsAt).toUTCString()}, or the store&apos;s tills stop selling.
        </p>
      ) : null}
      {!ready && !suspended && tenant.state !== 'awaiting_payment' ? (
        <div role="status" aria-live="polite">
          <h2>Setting up your store</h2>
          <p>Phase: {tenant.observed?.phase ?? 'Waiting for the operator'}</p>
          {tenant.lastError ? <p className="banner">Retrying: the platform is catching up.</p> : null}
        </div>
      ) : null}
      {tenant.observed ? (
        <ul className="conditions" aria-label="Provisioning steps">
          {tenant.observed.conditions
            // Provisioning steps only: BackedUp (scheduled backups) is no step of getting a till.
            .filter((condition) => condition.type in STEP_LABEL)
            .sort((a, b) => stepRank(a.type) - stepRank(b.type))
            .map((condition) => (
              <li key={condition.type} data-type={condition.type} data-status={condition.status}>
                <span className="dot" aria-hidden="true" />
                <strong>{STEP_LABEL[condition.type] ?? condition.type}</strong>{' '}
                {condition.status === 'True' ? 'done' : 'in progress'}
                {condition.status !== 'True' && condition.message ? (
                  <span className="muted condition-message">{condition.message}</span>
                ) : null}
              </li>
            ))}
        </ul>
      ) : null}
      {ready ? (
        <div className="ready">
          <h2>Your till is ready</h2>
          <p>
            Open it on the tablet at the counter:{' '}
            <a className="till-url" href={tillUrlOf(tenant.observed?.url)}>
              {tillUrlOf(tenant.observed?.url)}
            </a>
          </p>
          <p>
            <Link className="button" to={`/tenants/${tenant.slug}/manage`}>
              Manage stores, products and staff
            </Link>
          </p>
          {tenant.setupCode ? (
            <p>
              First owner setup code:
              <br />
              <code className="setup-code">{tenant.setupCode}</code>
              <br />
              <span className="muted">
                Enter it on the till to create the owner&apos;s sign-in and register the first till. It stops
                working once the store has staff.
              </span>
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
