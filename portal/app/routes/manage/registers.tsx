// Registers (the API's till devices) of a tenant: rename, move to another open store, deactivate
// (revoke: its sign-ins end) or reactivate.
import {
  Form,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../../csrf-field.tsx';
import { FormError } from '../../form-kit.tsx';
import {
  fieldErrors,
  formObject,
  moveRegisterSchema,
  registerActiveSchema,
  renameRegisterSchema,
} from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import type { Page, Register, Store } from './types.ts';

export const meta = () => [{ title: 'Registers · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  try {
    const [registers, stores] = await Promise.all([
      api.get<Page<Register>>('/v1/devices'),
      api.get<Page<Store>>('/v1/stores'),
    ]);
    return { registers: registers.data.items, stores: stores.data.items };
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  const schema =
    values.intent === 'rename'
      ? renameRegisterSchema
      : values.intent === 'move'
        ? moveRegisterSchema
        : values.intent === 'active'
          ? registerActiveSchema
          : undefined;
  if (!schema) return invalid({ form: 'Unknown action. Reload the page.' }, values);
  const parsed = schema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const { id, ...change } = parsed.data;
  const patch = 'active' in change ? { active: change.active === 'true' } : change;
  try {
    const { data } = await api.send<Register>('PATCH', `/v1/devices/${id}`, patch);
    return { ok: `Register ${data.name} saved.` };
  } catch (error) {
    return fromPosApiError(error, values);
  }
}

export default function Registers() {
  const { registers, stores } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failed = result && 'errors' in result ? result : undefined;
  const storeName = (id: string | null) => stores.find((store) => store.id === id)?.name ?? 'no store';
  return (
    <section className="card">
      <h1>Registers</h1>
      {result && 'ok' in result ? (
        <p className="banner ok" role="status">
          {result.ok}
        </p>
      ) : null}
      <FormError message={failed ? (failed.errors.form ?? Object.values(failed.errors)[0]) : undefined} />
      {registers.length === 0 ? <p>No registers yet.</p> : null}
      <ul className="rows" aria-label="Registers">
        {registers.map((register) => (
          <li key={register.id} className="row">
            <div>
              <strong>{register.name}</strong> <span className="muted">{register.code}</span>{' '}
              <span className="muted">in {storeName(register.storeId)}</span>
              {register.revokedAt ? <span className="tag">deactivated</span> : null}
            </div>
            <div className="row-actions">
              <Form method="post" className="inline">
                <CsrfField />
                <input type="hidden" name="intent" value="rename" />
                <input type="hidden" name="id" value={register.id} />
                <label htmlFor={`rename-${register.id}`} className="visually-hidden">
                  New name for {register.name}
                </label>
                <input
                  id={`rename-${register.id}`}
                  name="name"
                  type="text"
                  defaultValue={register.name}
                  required
                />
                <button type="submit" className="secondary">
                  Rename
                </button>
              </Form>
              <Form method="post" className="inline">
                <CsrfField />
                <input type="hidden" name="intent" value="move" />
                <input type="hidden" name="id" value={register.id} />
                <label htmlFor={`move-${register.id}`} className="visually-hidden">
                  Store of {register.name}
                </label>
                <select id={`move-${register.id}`} name="storeId" defaultValue={register.storeId ?? ''}>
                  {register.storeId ? null : <option value="">Choose a store</option>}
                  {stores.map((store) => (
                    <option key={store.id} value={store.id}>
                      {store.name}
                    </option>
                  ))}
                </select>
                <button type="submit" className="secondary">
                  Move
                </button>
              </Form>
              <Form method="post" className="inline">
                <CsrfField />
                <input type="hidden" name="intent" value="active" />
                <input type="hidden" name="id" value={register.id} />
                <input type="hidden" name="active" value={register.revokedAt ? 'true' : 'false'} />
                <button type="submit" className={register.revokedAt ? 'secondary' : 'secondary danger'}>
                  {register.revokedAt ? 'Reactivate' : 'Deactivate'}
                </button>
              </Form>
            </div>
          </li>
        ))}
      </ul>
      <section className="placeholder" aria-labelledby="pair-heading">
        <h2 id="pair-heading">Pair a register</h2>
        {/* TODO(till): the till's pairing-code API (POST /v1/devices/pairing-codes, POST
            /v1/devices/pair) is being built on the till's branch; this section will show a
            one-time code to type on the new register once it exists. */}
        <p className="muted">Coming soon: pair a new register by typing a one-time code on it.</p>
      </section>
    </section>
  );
}
