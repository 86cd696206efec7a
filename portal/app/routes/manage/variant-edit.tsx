// One variant of a product: its name, SKU and barcode; its price for all stores and each store's
// own price (typed in that price's currency; removing a store's price makes the store use the
// all-stores price again); and removing the variant. Every change carries the version it was read
// at (If-Match): a change someone else saved first is shown beside yours, never overwritten.
import {
  data,
  Link,
  redirect,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { ConflictMerge, isVersionConflict, type Conflict } from '../../conflict.tsx';
import { ActionForm, Field, FormError, InlineInput, Outcome, useFormSchema } from '../../form-kit.tsx';
import {
  changePriceSchema,
  deletePriceSchema,
  deleteVariantSchema,
  editVariantSchema,
  fieldErrors,
  formObject,
  isUuid,
  setPriceSchema,
  type FieldErrors,
} from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { changedMeanwhile, fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney, moneyInput, parseMoney } from '../../money.ts';
import type { PosApi } from '../../../src/pos/client.ts';
import { useTenant } from './layout.tsx';
import type { Page, Price, Product, Store, Variant } from './types.ts';

export const meta = () => [{ title: 'Variant · CloudPOS' }];

const editable = (variant: Variant) => ({
  name: variant.name,
  sku: variant.sku,
  barcode: variant.barcode ?? '',
});
type Editable = ReturnType<typeof editable>;
const LABELS: Record<keyof Editable, string> = { name: 'Name', sku: 'SKU', barcode: 'Barcode' };

async function read(api: PosApi, productId: string, variantId: string) {
  const [variant, product, stores] = await Promise.all([
    api.get<Variant>(`/v1/catalog/variants/${variantId}`),
    api.get<Product>(`/v1/catalog/products/${productId}`),
    api.get<Page<Store>>('/v1/stores'),
  ]);
  // A variant of another product is not found here, as under its own product it would be.
  if (variant.data.productId !== product.data.id) throw data('No such variant.', { status: 404 });
  return { variant: variant.data, product: product.data, stores: stores.data.items };
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  if (!isUuid(params.id) || !isUuid(params.variantId)) throw data('No such variant.', { status: 404 });
  try {
    return await read(api, params.id!, params.variantId!);
  } catch (error) {
    return loaderError(error);
  }
}

/** The words of this page for the API's refusals. */
const MESSAGES = {
  last_variant: 'A product keeps at least one variant: deactivate or delete the product instead.',
  variant_sold:
    'This variant was sold or has stock history: it stays on record. Deactivate the product instead.',
  price_exists: 'That price was set by someone else meanwhile: the page shows it now.',
  price_not_found: 'That price was removed meanwhile: the page shows the prices as they are now.',
  variant_not_found: 'This variant was removed meanwhile.',
};

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  if (!isUuid(params.id) || !isUuid(params.variantId)) throw data('No such variant.', { status: 404 });
  const values = formObject(await request.formData());
  const variantPath = `/v1/catalog/variants/${params.variantId}`;
  const productPage = `/tenants/${tenant.slug}/manage/products/${params.id}`;
  const amountError = (currency: string) => ({ amount: `Enter a price in ${currency}, such as 3.50.` });
  try {
    switch (values.intent) {
      case 'variant': {
        const parsed = editVariantSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        const { version, ...fields } = parsed.data;
        try {
          await api.send(
            'PATCH',
            variantPath,
            { name: fields.name, sku: fields.sku, barcode: fields.barcode || null },
            { ifMatch: version },
          );
          return { ok: 'Variant saved.' };
        } catch (error) {
          if (!isVersionConflict(error)) throw error;
          const current = await api.get<Variant>(variantPath);
          const conflict: Conflict<keyof Editable> = {
            mine: fields,
            theirs: editable(current.data),
            version: current.data.version,
          };
          return { variantConflict: conflict };
        }
      }
      case 'set-price': {
        const parsed = setPriceSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        const { storeId } = parsed.data;
        // Typed in the currency the price is kept in: the store's, or the tenant's for all stores.
        const currency = storeId
          ? (await api.get<Store>(`/v1/stores/${storeId}`)).data.currency
          : tenant.currency;
        const amount = parseMoney(parsed.data.amount, currency);
        if (amount === undefined) return invalid(amountError(currency), values);
        await api.send('POST', `${variantPath}/prices`, { currency, storeId: storeId ?? null, amount });
        return { ok: 'Price saved.' };
      }
      case 'change-price': {
        const parsed = changePriceSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        const pricePath = `/v1/catalog/prices/${parsed.data.id}`;
        const current = await api.get<Price>(pricePath);
        const amount = parseMoney(parsed.data.amount, current.data.currency);
        if (amount === undefined) return invalid(amountError(current.data.currency), values);
        try {
          await api.send('PATCH', pricePath, { amount }, { ifMatch: parsed.data.version });
          return { ok: 'Price saved.' };
        } catch (error) {
          if (!isVersionConflict(error)) throw error;
          const theirs = await api.get<Price>(pricePath);
          const money = (minor: number) => formatMoney(minor, theirs.data.currency, tenant.locale);
          const conflict: Conflict<'amount'> = {
            mine: { amount: money(amount) },
            theirs: { amount: money(theirs.data.amount) },
            version: theirs.data.version,
          };
          return { priceConflict: { ...conflict, id: parsed.data.id, typed: parsed.data.amount } };
        }
      }
      case 'delete-price': {
        const parsed = deletePriceSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        await api.send('DELETE', `/v1/catalog/prices/${parsed.data.id}`, undefined, {
          ifMatch: parsed.data.version,
        });
        return { ok: 'The store now uses the price for all stores.' };
      }
      case 'delete-variant': {
        const parsed = deleteVariantSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        await api.send('DELETE', variantPath, undefined, { ifMatch: parsed.data.version });
        return redirect(`${productPage}?variantRemoved=1`);
      }
      default:
        return invalid({ form: 'Unknown action. Reload the page.' }, values);
    }
  } catch (error) {
    if (isVersionConflict(error)) return changedMeanwhile('this', values);
    return fromPosApiError(error, values, MESSAGES);
  }
}

type Failed = { errors: FieldErrors; values: Record<string, string> };

export default function EditVariant() {
  const { variant, product, stores } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const result = useActionData<typeof action>();
  const failed: Failed | undefined = result && 'errors' in result ? result : undefined;
  const variantConflict = result && 'variantConflict' in result ? result.variantConflict : undefined;
  const priceConflict = result && 'priceConflict' in result ? result.priceConflict : undefined;
  const { errors, onSubmit } = useFormSchema(
    editVariantSchema,
    failed?.values.intent === 'variant' ? failed.errors : undefined,
  );
  const values =
    variantConflict?.mine ?? (failed?.values.intent === 'variant' ? failed.values : editable(variant));
  const version = variantConflict?.version ?? variant.version;
  const page = `/tenants/${tenant.slug}/manage/products/${product.id}/variants/${variant.id}`;
  const rowError = failed && failed.values.intent !== 'variant' ? Object.values(failed.errors)[0] : undefined;
  const title = variant.name ? `${product.name}: ${variant.name}` : product.name;
  return (
    <section className="card">
      <p className="crumbs">
        <Link to={`/tenants/${tenant.slug}/manage/products/${product.id}`}>← {product.name}</Link>
      </p>
      <h1>{title}</h1>
      <Outcome result={result} />
      <FormError message={rowError} />
      {variantConflict ? (
        <ConflictMerge what="this variant" conflict={variantConflict} labels={LABELS} keepTheirs={page} />
      ) : null}
      <ActionForm intent="variant" block noValidate onSubmit={onSubmit} key={`variant-${version}`}>
        <input type="hidden" name="version" value={version} />
        <FormError
          message={failed?.values.intent === 'variant' ? (errors.form ?? errors.version) : undefined}
        />
        <Field
          name="name"
          label="Name"
          required={false}
          hint="Such as Large; empty when the product has only this variant."
          defaultValue={values.name}
          error={errors.name}
        />
        <Field name="sku" label="SKU" defaultValue={values.sku} error={errors.sku} />
        <Field
          name="barcode"
          label="Barcode"
          required={false}
          defaultValue={values.barcode}
          error={errors.barcode}
        />
        <button type="submit">{variantConflict ? 'Save my version' : 'Save variant'}</button>
      </ActionForm>

      <Prices variant={variant} stores={stores} conflict={priceConflict} page={page} />

      <section aria-labelledby="remove-title" className="danger-zone">
        <h2 id="remove-title">Remove this variant</h2>
        <p className="muted">
          Only a variant that was never sold can be removed, and a product keeps at least one.
        </p>
        <ActionForm intent="delete-variant" fields={{ version: variant.version }}>
          <button type="submit" className="secondary danger">
            Remove variant
          </button>
        </ActionForm>
      </section>
    </section>
  );
}

/** The all-stores price, then every open store with its own price or the all-stores one. */
function Prices(props: {
  variant: Variant;
  stores: Store[];
  conflict: (Conflict<'amount'> & { id: string; typed: string }) | undefined;
  page: string;
}) {
  const tenant = useTenant();
  const { variant, conflict } = props;
  const money = (price: Pick<Price, 'amount' | 'currency'>) =>
    formatMoney(price.amount, price.currency, tenant.locale);
  const everywhere = variant.prices.find(
    (price) => price.storeId === null && price.currency === tenant.currency,
  );
  const otherCurrencies = variant.prices.filter(
    (price) => price.storeId === null && price.currency !== tenant.currency,
  );
  /** One price's amount, saved at the version read (or the one a conflict found). */
  const changeForm = (price: Price, label: string) => {
    const mine = conflict?.id === price.id ? conflict : undefined;
    return (
      <ActionForm
        intent="change-price"
        fields={{ id: price.id, version: mine?.version ?? price.version }}
        key={`${price.id}-${mine?.version ?? price.version}`}
      >
        <InlineInput
          id={`price-${price.id}`}
          label={label}
          name="amount"
          inputMode="decimal"
          defaultValue={mine?.typed ?? moneyInput(price.amount, price.currency, tenant.locale)}
        />
        <button type="submit" className="secondary">
          {mine ? 'Save my price' : 'Save price'}
        </button>
      </ActionForm>
    );
  };
  return (
    <section aria-labelledby="prices-title">
      <h2 id="prices-title">Prices</h2>
      {conflict ? (
        <ConflictMerge
          what="this price"
          conflict={conflict}
          labels={{ amount: 'Price' }}
          keepTheirs={props.page}
        />
      ) : null}
      <ul className="rows" aria-label="Prices">
        <li className="row">
          <div>
            <strong>All stores</strong>{' '}
            <span className="muted">{everywhere ? money(everywhere) : `no price in ${tenant.currency}`}</span>
          </div>
          <div className="row-actions">
            {everywhere ? (
              changeForm(everywhere, `Price for all stores (${tenant.currency})`)
            ) : (
              <ActionForm intent="set-price">
                <InlineInput
                  id="price-all-stores"
                  label={`Price for all stores (${tenant.currency})`}
                  name="amount"
                  inputMode="decimal"
                />
                <button type="submit" className="secondary">
                  Set price
                </button>
              </ActionForm>
            )}
          </div>
        </li>
        {otherCurrencies.map((price) => (
          <li key={price.id} className="row">
            <div>
              <strong>All stores, in {price.currency}</strong> <span className="muted">{money(price)}</span>
            </div>
            <div className="row-actions">{changeForm(price, `Price for all stores (${price.currency})`)}</div>
          </li>
        ))}
        {props.stores.map((store) => {
          const own = variant.prices.find((price) => price.storeId === store.id);
          const fallback = variant.prices.find(
            (price) => price.storeId === null && price.currency === store.currency,
          );
          return (
            <li key={store.id} className="row" data-store={store.code}>
              <div>
                <strong>{store.name}</strong>{' '}
                <span className="muted">
                  {own
                    ? `${money(own)}, its own price`
                    : fallback
                      ? `${money(fallback)}, the price for all stores`
                      : `no price in ${store.currency}`}
                </span>
              </div>
              <div className="row-actions">
                {own ? (
                  <>
                    {changeForm(own, `Price at ${store.name} (${store.currency})`)}
                    <ActionForm intent="delete-price" fields={{ id: own.id, version: own.version }}>
                      <button
                        type="submit"
                        className="secondary"
                        aria-label={`Use all-stores price at ${store.name}`}
                      >
                        Use all-stores price
                      </button>
                    </ActionForm>
                  </>
                ) : (
                  <ActionForm intent="set-price" fields={{ storeId: store.id }}>
                    <InlineInput
                      id={`price-${store.id}`}
                      label={`Own price at ${store.name} (${store.currency})`}
                      name="amount"
                      inputMode="decimal"
                    />
                    <button
                      type="submit"
                      className="secondary"
                      aria-label={`Set store price at ${store.name}`}
                    >
                      Set store price
                    </button>
                  </ActionForm>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
