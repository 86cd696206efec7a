// Tax categories (what a product is taxed as) with their rates; a new category is made with one rate.
import { useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import {
  ActionForm,
  Field,
  FormError,
  freshAfter,
  Outcome,
  SelectField,
  useFormSchema,
} from '../../form-kit.tsx';
import { fieldErrors, formObject, newTaxCategorySchema } from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import type { Page, TaxCategory, TaxRate } from './types.ts';

export const meta = () => [{ title: 'Taxes · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  try {
    const [categories, rates] = await Promise.all([
      api.get<Page<TaxCategory>>('/v1/catalog/tax-categories'),
      api.get<Page<TaxRate>>('/v1/catalog/tax-rates'),
    ]);
    return { categories: categories.data.items, rates: rates.data.items };
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  const parsed = newTaxCategorySchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const { code, name, rate, inclusive } = parsed.data;
  try {
    // The category's rate shares its code; a rate left over from a failed second step is reused.
    const rates = await api.get<Page<TaxRate>>('/v1/catalog/tax-rates');
    const existing = rates.data.items.find((candidate) => candidate.code === code);
    const taxRate =
      existing && existing.rate === rate && existing.inclusive === (inclusive === 'true')
        ? existing
        : (
            await api.send<TaxRate>('POST', '/v1/catalog/tax-rates', {
              code,
              name,
              rate,
              inclusive: inclusive === 'true',
            })
          ).data;
    await api.send('POST', '/v1/catalog/tax-categories', { code, name, taxRateIds: [taxRate.id] });
    return { ok: `Tax category ${name} added.` };
  } catch (error) {
    return fromPosApiError(error, values);
  }
}

export default function Taxes() {
  const { categories, rates } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failed = result && 'errors' in result ? result : undefined;
  const { errors, onSubmit } = useFormSchema(newTaxCategorySchema, failed?.errors);
  const rateText = (ids: string[]) =>
    ids
      .map((id) => rates.find((rate) => rate.id === id))
      .map((rate) => (rate ? `${rate.rate} % ${rate.inclusive ? 'included' : 'added'}` : 'unknown rate'))
      .join(' + ') || 'tax-exempt';
  return (
    <section className="card">
      <h1>Taxes</h1>
      <Outcome result={result} />
      {categories.length === 0 ? <p>No tax categories yet: products need one.</p> : null}
      <ul className="rows" aria-label="Tax categories">
        {categories.map((category) => (
          <li key={category.id} className="row">
            <div>
              <strong>{category.name}</strong> <span className="muted">{category.code}</span>
            </div>
            <div>{rateText(category.taxRateIds)}</div>
          </li>
        ))}
      </ul>
      <ActionForm block noValidate onSubmit={onSubmit} key={freshAfter(result, 'new')}>
        <h2>Add a tax category</h2>
        <FormError message={errors.form} />
        <Field
          name="name"
          label="Name"
          hint="Such as Standard VAT."
          defaultValue={failed?.values.name}
          error={errors.name}
        />
        <Field
          name="code"
          label="Code"
          hint="Such as VAT19."
          defaultValue={failed?.values.code}
          error={errors.code}
        />
        <Field
          name="rate"
          label="Rate in percent"
          inputMode="decimal"
          defaultValue={failed?.values.rate}
          error={errors.rate}
        />
        <SelectField
          name="inclusive"
          label="Prices"
          options={[
            { value: 'true', label: 'include this tax (VAT)' },
            { value: 'false', label: 'get this tax added (sales tax)' },
          ]}
          defaultValue={failed?.values.inclusive}
          error={errors.inclusive}
        />
        <button type="submit">Add tax category</button>
      </ActionForm>
    </section>
  );
}
