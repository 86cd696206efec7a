// Every tenant for platform operators, newest first, a page at a time and found by slug, name or
// e-mail: plan, the operator's phase and Ready condition, billing, suspension, the last lifecycle
// events and, in a cluster, the Tenant's Kubernetes Events; suspend and resume through the Tenant's spec, the path billing uses
// (src/billing/lifecycle.ts).
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { requireAdmin } from '../../admin.server.ts';
import { invalid } from '../../action-errors.server.ts';
import { ActionForm, Field, FormError, Outcome } from '../../form-kit.tsx';
import { fieldErrors, formObject, operatorSuspendSchema } from '../../forms.ts';
import { servicesOf } from '../../guards.server.ts';
import { utcMinute } from '../../money.ts';

export const meta = () => [{ title: 'Tenants · CloudPOS platform' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const admin = await requireAdmin(context, request);
  const url = new URL(request.url);
  const q = url.searchParams.get('q')?.trim().slice(0, 100) ?? '';
  const after = url.searchParams.get('after')?.slice(0, 200) || undefined;
  const page = await servicesOf(context).admin.tenants({ q, after });
  return { admin: admin.email, q, paged: Boolean(after), tenants: page.items, next: page.next };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requireAdmin(context, request);
  const values = formObject(await request.formData());
  const parsed = operatorSuspendSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const { slug, reason } = parsed.data;
  const suspend = parsed.data.suspend === 'true';
  const result = await servicesOf(context).admin.suspend(admin, { slug, suspend, reason });
  if (!result) return invalid({ form: `No provisioned tenant ${slug}. Reload the page.` }, values, 404);
  return {
    ok: suspend
      ? `${slug} is suspended: its tills can look things up but not sell.`
      : result.forBilling
        ? `${slug} is no longer suspended by an operator, but stays suspended for billing until it is paid.`
        : `${slug} is resumed.`,
  };
}

type Tenant = Awaited<ReturnType<typeof loader>>['tenants'][number];

function readyOf(tenant: Tenant): string {
  if (tenant.observeError) return `unknown: ${tenant.observeError}`;
  const ready = tenant.observed?.conditions.find((condition) => condition.type === 'Ready');
  if (!ready)
    return tenant.state === 'awaiting_payment' ? 'not created (awaiting payment)' : 'not reported yet';
  const why = [ready.reason, ready.message].filter(Boolean).join(': ');
  return `${ready.status}${why ? ` (${why})` : ''}`;
}

function billingOf(tenant: Tenant): string {
  if (!tenant.billing) return 'no subscription';
  const { status, pastDueSince, graceEndsAt } = tenant.billing;
  if (pastDueSince && graceEndsAt)
    return `${status} since ${utcMinute(pastDueSince)}; grace ends ${utcMinute(graceEndsAt)}`;
  return status;
}

function suspensionOf(tenant: Tenant): string {
  if (!tenant.suspended) return 'no';
  const operator = tenant.operatorSuspension;
  if (!operator) return 'yes, for billing';
  return `yes, by ${operator.by ?? 'an operator'} at ${utcMinute(operator.at)}${operator.reason ? `: “${operator.reason}”` : ''}`;
}

export default function AdminTenants() {
  const { admin, q, paged, tenants, next } = useLoaderData<typeof loader>();
  const withQuery = (extra: Record<string, string>) => {
    const params = new URLSearchParams({ ...(q ? { q } : {}), ...extra }).toString();
    return params ? `/admin?${params}` : '/admin';
  };
  const result = useActionData<typeof action>();
  const failed = result && 'errors' in result ? result : undefined;
  return (
    <section className="card">
      <h1>Tenants</h1>
      <div className="admin-who">
        <p className="muted">Platform operator {admin}</p>
        <ActionForm block action="/admin/logout">
          <button type="submit" className="secondary">
            Log out of the platform view
          </button>
        </ActionForm>
      </div>
      <Outcome result={result} />
      <FormError message={failed?.errors.form} />
      <Form method="get" role="search" className="search">
        <label htmlFor="tenant-search">Find a tenant by web address, name or e-mail</label>
        <div className="inline">
          <input id="tenant-search" name="q" type="search" defaultValue={q} maxLength={100} />
          <button type="submit" className="secondary">
            Search
          </button>
        </div>
      </Form>
      {tenants.length === 0 ? <p>{q ? `No tenant matches “${q}”.` : 'No tenants yet.'}</p> : null}
      <ul className="admin-tenants" aria-label="Tenants">
        {tenants.map((tenant) => {
          const formFailed = failed?.values.slug === tenant.slug ? failed : undefined;
          return (
            <li key={tenant.slug}>
              <h2 id={`tenant-${tenant.slug}`}>
                {tenant.displayName} <span className="muted">{tenant.slug}</span>
              </h2>
              <dl className="facts">
                <div>
                  <dt>Account</dt>
                  <dd>{tenant.accountName}</dd>
                </div>
                <div>
                  <dt>Plan</dt>
                  <dd>{tenant.plan}</dd>
                </div>
                <div>
                  <dt>Phase</dt>
                  <dd>{tenant.observed?.phase ?? tenant.state.replace('_', ' ')}</dd>
                </div>
                <div>
                  <dt>Ready</dt>
                  <dd>{readyOf(tenant)}</dd>
                </div>
                <div>
                  <dt>Billing</dt>
                  <dd>{billingOf(tenant)}</dd>
                </div>
                <div>
                  <dt>Suspended</dt>
                  <dd>{suspensionOf(tenant)}</dd>
                </div>
                {tenant.lastError ? (
                  <div>
                    <dt>Last error</dt>
                    <dd>{tenant.lastError}</dd>
                  </div>
                ) : null}
              </dl>
              {tenant.events.length > 0 ? (
                <>
                  <h3>Portal events</h3>
                  <ol className="events">
                    {tenant.events.map((event) => (
                      <li key={event.id}>
                        <span className="muted">{event.at}</span> {event.action}
                      </li>
                    ))}
                  </ol>
                </>
              ) : null}
              {tenant.clusterEvents && tenant.clusterEvents.length > 0 ? (
                <>
                  <h3>Cluster events</h3>
                  <ol className="events">
                    {tenant.clusterEvents.map((event, index) => (
                      <li key={`${event.at}-${index}`}>
                        <span className="muted">{event.at ? utcMinute(event.at) : 'no time'}</span>{' '}
                        {event.type === 'Warning' ? <strong className="warning">Warning</strong> : null}{' '}
                        {event.reason}: {event.message}
                        {event.count > 1 ? <span className="muted"> (×{event.count})</span> : null}
                      </li>
                    ))}
                  </ol>
                </>
              ) : null}
              {tenant.state === 'awaiting_payment' ? null : tenant.operatorSuspension ? (
                <ActionForm block fields={{ slug: tenant.slug, suspend: 'false' }}>
                  <button type="submit" aria-label={`Resume ${tenant.slug}`}>
                    Resume
                  </button>
                </ActionForm>
              ) : (
                <ActionForm block className="suspend" fields={{ slug: tenant.slug, suspend: 'true' }}>
                  <Field
                    name="reason"
                    label={`Reason for suspending ${tenant.slug}`}
                    idPrefix={`suspend-${tenant.slug}`}
                    defaultValue={formFailed?.values.reason}
                    error={formFailed?.errors.reason}
                  />
                  <button type="submit" className="secondary danger" aria-label={`Suspend ${tenant.slug}`}>
                    Suspend
                  </button>
                </ActionForm>
              )}
            </li>
          );
        })}
      </ul>
      <nav aria-label="Pages" className="actions">
        {paged ? (
          <Link className="button secondary" to={withQuery({})}>
            Newest tenants
          </Link>
        ) : null}
        {next ? (
          <Link className="button secondary" to={withQuery({ after: next })}>
            Older tenants
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
