// A new product: name, SKU, price in the tenant's currency (all stores) and tax category; one variant.
import {
  Form,
  Link,
  redirect,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../../csrf-field.tsx';
import { Field, FormError, SelectField, useFormSchema } from '../../form-kit.tsx';
import { fieldErrors, formObject, newProductSchema } from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { parseMoney } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { Page, Product, TaxCategory } from './types.ts';

export const meta = () => [{ title: 'Add a product · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  try {
    const { data } = await api.get<Page<TaxCategory>>('/v1/catalog/tax-categories');
    return { taxCategories: data.items.map(({ id, name, code }) => ({ id, name, code })) };
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  const parsed = newProductSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const amount = parseMoney(parsed.data.price, tenant.currency);
  if (amount === undefined)
    return invalid({ price: `Enter a price in ${tenant.currency}, such as 3.50.` }, values);
  try {
    const { data } = await api.send<Product>('POST', '/v1/catalog/products', {
      name: parsed.data.name,
      taxCategoryId: parsed.data.taxCategoryId,
      variants: [{ sku: parsed.data.sku, prices: [{ amount }] }],
    });
    return redirect(`/tenants/${tenant.slug}/manage/products/${data.id}?created=1`);
  } catch (error) {
    return fromPosApiError(error, values);
  }
}

export default function NewProduct() {
  const { taxCategories } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const result = useActionData<typeof action>();
  const { errors, onSubmit } = useFormSchema(newProductSchema, result?.errors);
  if (taxCategories.length === 0) {
    return (
      <section className="card">
        <h1>Add a product</h1>
        <p>
          Every product needs a tax category.{' '}
          <Link to={`/tenants/${tenant.slug}/manage/taxes`}>Add a tax category first</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>Add a product</h1>
      <Form method="post" noValidate onSubmit={onSubmit}>
        <CsrfField />
        <FormError message={errors.form} />
        <Field name="name" label="Name" defaultValue={result?.values.name} error={errors.name} />
        <Field
          name="sku"
          label="SKU"
          hint="The product’s code, unique in your catalog; no spaces."
          defaultValue={result?.values.sku}
          error={errors.sku}
        />
        <Field
          name="price"
          label={`Price (${tenant.currency})`}
          inputMode="decimal"
          hint="For every store, such as 3.50."
          defaultValue={result?.values.price}
          error={errors.price}
        />
        <SelectField
          name="taxCategoryId"
          label="Tax category"
          options={taxCategories.map((category) => ({ value: category.id, label: category.name }))}
          defaultValue={result?.values.taxCategoryId}
          error={errors.taxCategoryId}
        />
        <button type="submit">Add product</button>
      </Form>
    </section>
  );
}
