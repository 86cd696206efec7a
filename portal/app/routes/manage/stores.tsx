// Stores of a tenant: list (open and closed), open a new one, rename, close. Changes carry the
// version the page was read at (If-Match): a store changed meanwhile is reported, not overwritten.
import { useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import {
  ActionForm,
  Field,
  FormError,
  freshAfter,
  InlineInput,
  Outcome,
  useListForms,
} from '../../form-kit.tsx';
import { closeStoreSchema, fieldErrors, formObject, newStoreSchema, renameStoreSchema } from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { changedMeanwhile, fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { can } from '../../rights.ts';
import type { Page, Store } from './types.ts';

export const meta = () => [{ title: 'Stores · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  try {
    const { data } = await api.get<Page<Store>>('/v1/stores', { includeClosed: true });
    return { stores: data.items, canChange: can(tenant.role, 'stores.open_close') };
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  try {
    if (values.intent === 'create') {
      const parsed = newStoreSchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      const { data } = await api.send<Store>('POST', '/v1/stores', parsed.data);
      return { ok: `Store ${data.name} (${data.code}) is open.` };
    }
    if (values.intent === 'rename') {
      const parsed = renameStoreSchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      await api.send(
        'PATCH',
        `/v1/stores/${parsed.data.id}`,
        { name: parsed.data.name },
        { ifMatch: parsed.data.version },
      );
      return { ok: `Renamed to ${parsed.data.name}.` };
    }
    if (values.intent === 'close') {
      const parsed = closeStoreSchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      const { data } = await api.send<Store>('POST', `/v1/stores/${parsed.data.id}/close`, undefined, {
        ifMatch: parsed.data.version,
      });
      return { ok: `Store ${data.name} is closed.` };
    }
    return invalid({ form: 'Unknown action. Reload the page.' }, values);
  } catch (error) {
    if ((error as { code?: string }).code === 'version_conflict')
      return changedMeanwhile('this store', values);
    return fromPosApiError(error, values);
  }
}

export default function Stores() {
  const { stores, canChange } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { creating, errors, onSubmit, rowError } = useListForms(newStoreSchema, result);
  return (
    <section className="card">
      <h1>Stores</h1>
      <Outcome result={result} />
      <FormError message={rowError} />
      <ul className="rows" aria-label="Stores">
        {stores.map((store) => (
          <li key={store.id} className="row">
            <div>
              <strong>{store.name}</strong> <span className="muted">{store.code}</span>
              {store.closedAt ? <span className="tag">closed</span> : null}
            </div>
            {canChange && !store.closedAt ? (
              <div className="row-actions">
                <ActionForm intent="rename" fields={{ id: store.id, version: store.version }}>
                  <InlineInput
                    id={`rename-${store.id}`}
                    label={`New name for ${store.name}`}
                    name="name"
                    defaultValue={store.name}
                  />
                  <button type="submit" className="secondary">
                    Rename
                  </button>
                </ActionForm>
                <ActionForm intent="close" fields={{ id: store.id, version: store.version }}>
                  <button type="submit" className="secondary danger" aria-label={`Close ${store.name}`}>
                    Close
                  </button>
                </ActionForm>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {canChange ? (
        <ActionForm intent="create" block noValidate onSubmit={onSubmit} key={freshAfter(result, 'new')}>
          <h2>Open a store</h2>
          <FormError message={errors.form} />
          <Field
            name="name"
            label="Store name"
            idPrefix="new-store"
            defaultValue={creating?.values.name}
            error={errors.name}
          />
          <Field
            name="code"
            label="Store code"
            idPrefix="new-store"
            hint="Printed in receipt numbers, e.g. MAIN or BERLIN-1; it never changes."
            defaultValue={creating?.values.code}
            error={errors.code}
          />
          <button type="submit">Open store</button>
        </ActionForm>
      ) : (
        <p className="muted">Only an owner of the account can open, rename or close stores.</p>
      )}
    </section>
  );
}
