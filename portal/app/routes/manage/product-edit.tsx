// Edit a product with the version it was read at (If-Match). When someone else saved it meanwhile,
// the API answers 412 and the page shows both versions side by side: save yours over theirs, or
// keep theirs.
import {
  data,
  Form,
  Link,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../../csrf-field.tsx';
import { Field, FormError, SelectField, useFormSchema } from '../../form-kit.tsx';
import { editProductSchema, fieldErrors, formObject } from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { Product } from './types.ts';

export const meta = () => [{ title: 'Edit product · CloudPOS' }];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The fields this page edits, as the form shows them. */
const editable = (product: Product) => ({
  name: product.name,
  description: product.description ?? '',
  active: String(product.active),
});

type Editable = ReturnType<typeof editable>;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  if (!UUID.test(params.id ?? '')) throw data('No such product.', { status: 404 });
  try {
    const { data } = await api.get<Product>(`/v1/catalog/products/${params.id}`);
    return { product: data, created: new URL(request.url).searchParams.has('created') };
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  const parsed = editProductSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const { version, ...fields } = parsed.data;
  const path = `/v1/catalog/products/${params.id}`;
  try {
    await api.send<Product>(
      'PATCH',
      path,
      { name: fields.name, description: fields.description || null, active: fields.active === 'true' },
      { ifMatch: version },
    );
    return { saved: true as const };
  } catch (error) {
    if ((error as { code?: string }).code !== 'version_conflict') return fromPosApiError(error, values);
    // Someone else saved first: show theirs beside ours, and let the next save name their version.
    const current = await api.get<Product>(path).catch(loaderError);
    return {
      conflict: {
        mine: { name: fields.name, description: fields.description, active: fields.active } as Editable,
        theirs: editable(current.data),
        version: current.data.version,
      },
    };
  }
}

const LABELS: Record<keyof Editable, string> = { name: 'Name', description: 'Description', active: 'Active' };
const shown = (field: keyof Editable, value: string) =>
  field === 'active' ? (value === 'true' ? 'yes' : 'no') : value || '(empty)';

export default function EditProduct() {
  const { product, created } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const result = useActionData<typeof action>();
  const failed = result && 'errors' in result ? result : undefined;
  const conflict = result && 'conflict' in result ? result.conflict : undefined;
  const { errors, onSubmit } = useFormSchema(editProductSchema, failed?.errors);
  const values: Editable = conflict?.mine ?? (failed?.values as Editable | undefined) ?? editable(product);
  const version = conflict?.version ?? product.version;
  const price = product.variants[0]?.prices.find((candidate) => candidate.storeId === null);
  return (
    <section className="card">
      <h1>{product.name}</h1>
      <p className="muted">
        SKU {product.variants.map((variant) => variant.sku).join(', ')}
        {price ? ` · ${formatMoney(price.amount, price.currency, tenant.locale)}` : ''}
      </p>
      {created ? (
        <p className="banner ok" role="status">
          Product added.
        </p>
      ) : null}
      {result && 'saved' in result ? (
        <p className="banner ok" role="status">
          Saved.
        </p>
      ) : null}
      {conflict ? (
        <div className="error banner conflict" role="alert">
          <p>
            <strong>Someone else changed this product while you were editing it.</strong> Compare the two
            versions; save again to keep yours, or keep theirs.
          </p>
          <table>
            <caption className="visually-hidden">Your changes and the saved product</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Yours</th>
                <th scope="col">Saved by someone else</th>
              </tr>
            </thead>
            <tbody>
              {(Object.keys(LABELS) as (keyof Editable)[])
                .filter((field) => conflict.mine[field] !== conflict.theirs[field])
                .map((field) => (
                  <tr key={field}>
                    <th scope="row">{LABELS[field]}</th>
                    <td>{shown(field, conflict.mine[field])}</td>
                    <td>{shown(field, conflict.theirs[field])}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <p>
            <Link to=".">Keep theirs (discard my changes)</Link>
          </p>
        </div>
      ) : null}
      {/* A new key after a conflict: the inputs show the values being saved now. */}
      <Form
        method="post"
        action={`/tenants/${tenant.slug}/manage/products/${product.id}`}
        noValidate
        onSubmit={onSubmit}
        key={version}
      >
        <CsrfField />
        <input type="hidden" name="version" value={version} />
        <FormError message={errors.form ?? errors.version} />
        <Field name="name" label="Name" defaultValue={values.name} error={errors.name} />
        <Field
          name="description"
          label="Description"
          required={false}
          defaultValue={values.description}
          error={errors.description}
        />
        <SelectField
          name="active"
          label="On sale"
          options={[
            { value: 'true', label: 'Yes: the tills sell it' },
            { value: 'false', label: 'No: hidden from the tills' },
          ]}
          defaultValue={values.active}
          error={errors.active}
        />
        <div className="actions">
          <button type="submit">{conflict ? 'Save my version' : 'Save'}</button>
          <Link className="button secondary" to={`/tenants/${tenant.slug}/manage/products`}>
            Back to products
          </Link>
        </div>
      </Form>
    </section>
  );
}
