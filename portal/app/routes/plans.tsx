import {
  Form,
  data,
  redirect,
  useActionData,
  useNavigation,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../csrf-field.tsx';
import { Field, FormError, PlanChoices, useFormSchema } from '../form-kit.tsx';
import { choosePlanSchema, fieldErrors, formObject } from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { requireUser, servicesOf } from '../guards.server.ts';
import { can } from '../rights.ts';

export const meta = () => [{ title: 'Choose a plan · CloudPOS' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  if (!can(user.role, 'billing.manage'))
    throw data('Only an owner of the account can choose plans and pay.', { status: 403 });
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const values = formObject(await request.formData());
  const parsed = choosePlanSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  try {
    // Off to Stripe's Checkout page; it sends the merchant back to the tenant's page.
    return redirect(await servicesOf(context).orderTenant(user, parsed.data));
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function Plans() {
  const result = useActionData<typeof action>();
  const { errors, onSubmit } = useFormSchema(choosePlanSchema, result?.errors);
  const busy = useNavigation().state !== 'idle';
  const chosen = result?.values.plan ?? 'starter';
  return (
    <section className="card">
      <h1>Choose your plan</h1>
      <Form method="post" noValidate onSubmit={onSubmit}>
        <CsrfField />
        <FormError message={errors.form} />
        <Field
          name="storeName"
          label="Store name"
          defaultValue={result?.values.storeName}
          error={errors.storeName}
        />
        <Field
          name="slug"
          label="Web address of your till"
          hint="Lowercase letters, digits and dashes: your-shop becomes your-shop.cloudpos.io"
          defaultValue={result?.values.slug}
          error={errors.slug}
        />
        <PlanChoices chosen={chosen} error={errors.plan} />
        <div className="field">
          <label htmlFor="field-currency">Currency of your prices</label>
          <select id="field-currency" name="currency" defaultValue={result?.values.currency ?? 'EUR'}>
            <option value="EUR">Euro (EUR)</option>
            <option value="USD">US dollar (USD)</option>
            <option value="GBP">Pound sterling (GBP)</option>
            <option value="CHF">Swiss franc (CHF)</option>
          </select>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Opening the payment page…' : 'Continue to payment'}
        </button>
      </Form>
    </section>
  );
}
