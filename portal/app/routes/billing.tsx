// A tenant's billing, for owners: the plan and the subscription's state, a switch to another plan
// (the subscription's price changes at Stripe and the Tenant's plan follows), and Stripe's customer
// portal for the card, invoices and cancelling.
import {
  data,
  Link,
  redirect,
  useActionData,
  useLoaderData,
  useNavigation,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { ActionForm, FormError, Outcome, PlanChoices, useFormSchema } from '../form-kit.tsx';
import { PLANS, fieldErrors, formObject, switchPlanSchema } from '../forms.ts';
import { requireUser, servicesOf } from '../guards.server.ts';
import { can } from '../rights.ts';

export const meta = () => [{ title: 'Billing · CloudPOS' }];

const STATUS: Record<string, string> = {
  active: 'paid up',
  trialing: 'in its trial',
  past_due: 'payment failed: update the card',
  unpaid: 'unpaid',
  canceled: 'cancelled',
  incomplete: 'waiting for the first payment',
  incomplete_expired: 'expired before it was paid',
};

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  if (!can(user.role, 'billing.manage'))
    throw data('Only an owner of the account can manage billing.', { status: 403 });
  try {
    const tenant = await servicesOf(context).tenantOf(user, params.slug ?? '');
    return {
      slug: tenant.slug,
      displayName: tenant.displayName,
      plan: tenant.plan,
      status: tenant.billing?.status ?? null,
    };
  } catch (error) {
    if ((error as { code?: string }).code === 'not_found')
      throw data('No such store in your account.', { status: 404 });
    throw error;
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const values = formObject(await request.formData());
  const slug = params.slug ?? '';
  const services = servicesOf(context);
  try {
    if (values.intent === 'portal') return redirect(await services.openCustomerPortal(user, slug));
    if (values.intent === 'plan') {
      const parsed = switchPlanSchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      const name = PLANS.find((plan) => plan.id === parsed.data.plan)!.name;
      const outcome = await services.switchPlan(user, slug, parsed.data.plan);
      return {
        ok:
          outcome === 'unchanged'
            ? `The store is on the ${name} plan already.`
            : `Switched to the ${name} plan. The store’s limits follow in a moment.`,
      };
    }
    return invalid({ form: 'Unknown action. Reload the page.' }, values);
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function Billing() {
  const tenant = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failed = result && 'errors' in result ? result : undefined;
  const { errors, onSubmit } = useFormSchema(switchPlanSchema, failed?.errors);
  const busy = useNavigation().state !== 'idle';
  const current = PLANS.find((plan) => plan.id === tenant.plan);
  return (
    <section className="card">
      <h1>Billing of {tenant.displayName}</h1>
      <p>
        Plan <strong>{current?.name ?? tenant.plan}</strong>
        {tenant.status ? <> · subscription {STATUS[tenant.status] ?? tenant.status}</> : null}
      </p>
      <Outcome result={result} />
      <FormError message={failed?.values.intent === 'portal' ? failed.errors.form : undefined} />
      <h2>Card, invoices and cancelling</h2>
      <p className="muted">Stripe keeps your card and invoices; its page brings you back here.</p>
      <ActionForm intent="portal" block>
        <button type="submit" disabled={busy || !tenant.status}>
          Manage billing
        </button>
      </ActionForm>
      <h2>Change plan</h2>
      <ActionForm intent="plan" block noValidate onSubmit={onSubmit} key={tenant.plan}>
        <FormError message={failed?.values.intent === 'plan' ? errors.form : undefined} />
        <PlanChoices
          chosen={tenant.plan}
          current={tenant.plan}
          hint="Stripe charges or credits the difference for the rest of the month."
          error={errors.plan}
        />
        <button type="submit" disabled={busy || !tenant.status}>
          Switch plan
        </button>
      </ActionForm>
      <p>
        <Link to={`/tenants/${tenant.slug}`}>Back to {tenant.displayName}</Link>
      </p>
    </section>
  );
}
