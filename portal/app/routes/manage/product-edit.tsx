// Edit a product with the version it was read at (If-Match): its name, description, category and
// whether the tills sell it. When someone else saved it meanwhile, the API answers 412 and the page
// shows both versions side by side: save yours over theirs, or keep theirs. Below, its variants
// (each with its own SKU, barcode and prices, edited on their own page) and a form to add one.
import {
  data,
  Form,
  Link,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { ConflictMerge, isVersionConflict, type Conflict } from '../../conflict.tsx';
import { CsrfField } from '../../csrf-field.tsx';
import { ActionForm, Field, FormError, freshAfter, SelectField, useFormSchema } from '../../form-kit.tsx';
import { editProductSchema, fieldErrors, formObject, isUuid, newVariantSchema } from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney, parseMoney } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { Category, Page, Product, Variant } from './types.ts';

export const meta = () => [{ title: 'Edit product · CloudPOS' }];

/** The fields this page edits, as the form shows them. */
const editable = (product: Product) => ({
  name: product.name,
  description: product.description ?? '',
  active: String(product.active),
  categoryId: product.categoryId ?? '',
});

type Editable = ReturnType<typeof editable>;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  if (!isUuid(params.id)) throw data('No such product.', { status: 404 });
  try {
    const [product, categories] = await Promise.all([
      api.get<Product>(`/v1/catalog/products/${params.id}`),
      api.get<Page<Category>>('/v1/catalog/categories'),
    ]);
    return {
      product: product.data,
      categories: categories.data.items.map(({ id, name }) => ({ id, name })),
      created: new URL(request.url).searchParams.has('created'),
      variantRemoved: new URL(request.url).searchParams.has('variantRemoved'),
    };
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  const path = `/v1/catalog/products/${params.id}`;
  if (values.intent === 'add-variant') {
    const parsed = newVariantSchema.safeParse(values);
    if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
    const amount = parseMoney(parsed.data.price, tenant.currency);
    if (amount === undefined)
      return invalid({ price: `Enter a price in ${tenant.currency}, such as 3.50.` }, values);
    try {
      const { data } = await api.send<Variant>('POST', `${path}/variants`, {
        name: parsed.data.name,
        sku: parsed.data.sku,
        barcode: parsed.data.barcode || null,
        prices: [{ amount }],
      });
      return { ok: `Variant ${data.name} (${data.sku}) added.` };
    } catch (error) {
      return fromPosApiError(error, values);
    }
  }
  const parsed = editProductSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const { version, ...fields } = parsed.data;
  try {
    await api.send<Product>(
      'PATCH',
      path,
      {
        name: fields.name,
        description: fields.description || null,
        active: fields.active === 'true',
        categoryId: fields.categoryId || null,
      },
      { ifMatch: version },
    );
    return { saved: true as const };
  } catch (error) {
    if (!isVersionConflict(error))
      return fromPosApiError(error, values, { unknown_reference: 'That category no longer exists. Reload.' });
    // Someone else saved first: show theirs beside ours, and let the next save name their version.
    const current = await api.get<Product>(path).catch(loaderError);
    const conflict: Conflict<keyof Editable> = {
      mine: fields,
      theirs: editable(current.data),
      version: current.data.version,
    };
    return { conflict };
  }
}

const LABELS: Record<keyof Editable, string> = {
  name: 'Name',
  description: 'Description',
  active: 'On sale',
  categoryId: 'Category',
};

export default function EditProduct() {
  const { product, categories, created, variantRemoved } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const result = useActionData<typeof action>();
  const failed = result && 'errors' in result ? result : undefined;
  const variantFailed = failed?.values.intent === 'add-variant' ? failed : undefined;
  const productFailed = variantFailed ? undefined : failed;
  const conflict = result && 'conflict' in result ? result.conflict : undefined;
  const { errors, onSubmit } = useFormSchema(editProductSchema, productFailed?.errors);
  const values: Editable =
    conflict?.mine ?? (productFailed?.values as Editable | undefined) ?? editable(product);
  const version = conflict?.version ?? product.version;
  const categoryName = (id: string) => categories.find((category) => category.id === id)?.name;
  const shown = (field: keyof Editable, value: string) =>
    field === 'active'
      ? value === 'true'
        ? 'yes'
        : 'no'
      : field === 'categoryId'
        ? value
          ? (categoryName(value) ?? 'a deleted category')
          : 'none'
        : value || '(empty)';
  const base = `/tenants/${tenant.slug}/manage/products/${product.id}`;
  return (
    <section className="card">
      <h1>{product.name}</h1>
      <p className="muted">SKU {product.variants.map((variant) => variant.sku).join(', ')}</p>
      {created ? (
        <p className="banner ok" role="status">
          Product added.
        </p>
      ) : null}
      {variantRemoved ? (
        <p className="banner ok" role="status">
          Variant removed.
        </p>
      ) : null}
      {result && 'saved' in result ? (
        <p className="banner ok" role="status">
          Saved.
        </p>
      ) : null}
      {conflict ? (
        <ConflictMerge what="this product" conflict={conflict} labels={LABELS} shown={shown} keepTheirs="." />
      ) : null}
      {/* A new key after a conflict: the inputs show the values being saved now. */}
      <Form method="post" action={base} noValidate onSubmit={onSubmit} key={version}>
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
          name="categoryId"
          label="Category"
          options={[
            { value: '', label: 'No category' },
            ...categories.map((category) => ({ value: category.id, label: category.name })),
          ]}
          defaultValue={values.categoryId}
          error={errors.categoryId}
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
      <Variants product={product} base={base} result={result} failed={variantFailed} />
    </section>
  );
}

function Variants(props: {
  product: Product;
  base: string;
  result: object | undefined;
  failed: { errors: Record<string, string | undefined>; values: Record<string, string> } | undefined;
}) {
  const tenant = useTenant();
  const { errors, onSubmit } = useFormSchema(newVariantSchema, props.failed?.errors);
  const added = props.result && 'ok' in props.result ? (props.result as { ok: string }).ok : undefined;
  return (
    <section aria-labelledby="variants-title" className="variants">
      <h2 id="variants-title">Variants</h2>
      {added ? (
        <p className="banner ok" role="status">
          {added}
        </p>
      ) : null}
      <ul className="rows" aria-label="Variants">
        {props.product.variants.map((variant) => {
          const everywhere = variant.prices.filter((price) => price.storeId === null);
          const ownPrices = variant.prices.length - everywhere.length;
          return (
            <li key={variant.id} className="row">
              <div>
                <Link to={`${props.base}/variants/${variant.id}`}>{variant.name || props.product.name}</Link>{' '}
                <span className="muted">
                  SKU {variant.sku}
                  {variant.barcode ? ` · barcode ${variant.barcode}` : ''}
                </span>
                {variant.active ? null : <span className="tag">inactive</span>}
              </div>
              <div className="price">
                {everywhere.length > 0
                  ? everywhere
                      .map((price) => formatMoney(price.amount, price.currency, tenant.locale))
                      .join(' · ')
                  : 'no price'}
                {ownPrices > 0 ? (
                  <span className="muted">
                    {' '}
                    + {ownPrices} store {ownPrices === 1 ? 'price' : 'prices'}
                  </span>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      <ActionForm
        intent="add-variant"
        block
        noValidate
        onSubmit={onSubmit}
        key={freshAfter(props.result, 'new-variant')}
      >
        <h3>Add a variant</h3>
        <FormError message={errors.form} />
        <Field
          name="name"
          label="Variant name"
          idPrefix="variant"
          hint="Such as Large or Oat milk."
          defaultValue={props.failed?.values.name}
          error={errors.name}
        />
        <Field
          name="sku"
          label="Variant SKU"
          idPrefix="variant"
          defaultValue={props.failed?.values.sku}
          error={errors.sku}
        />
        <Field
          name="barcode"
          label="Variant barcode"
          idPrefix="variant"
          required={false}
          hint="Optional: what a scanner reads."
          defaultValue={props.failed?.values.barcode}
          error={errors.barcode}
        />
        <Field
          name="price"
          label={`Variant price (${tenant.currency})`}
          idPrefix="variant"
          inputMode="decimal"
          hint="For every store; a store's own price is set on the variant's page."
          defaultValue={props.failed?.values.price}
          error={errors.price}
        />
        <button type="submit">Add variant</button>
      </ActionForm>
    </section>
  );
}
