// Registers (the API's till devices) of a tenant: pair a new one with a one-time code typed on the
// till, rename, move to another open store, deactivate (revoke: its sign-ins end) or reactivate.
import { useEffect, useRef } from 'react';
import { useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { ActionForm, FormError, InlineInput, InlineSelect, Outcome } from '../../form-kit.tsx';
import {
  fieldErrors,
  formObject,
  moveRegisterSchema,
  pairRegisterSchema,
  registerActiveSchema,
  renameRegisterSchema,
} from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import type { PosApi } from '../../../src/pos/client.ts';
import type { ManagedTenant } from '../../../src/pos/access.ts';
import type { Page, PairingCode, Register, Store } from './types.ts';

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

/** When a code stops working, in the store's time zone and the tenant's locale ("3:45 PM CET"). */
export function expiryOf(expiresAt: string, locale: string, timeZone: string | undefined, now = Date.now()) {
  const at = new Date(expiresAt);
  return {
    time: new Intl.DateTimeFormat(locale, {
      hour: 'numeric',
      minute: '2-digit',
      timeZoneName: 'short',
      ...(timeZone && { timeZone }),
    }).format(at),
    minutes: Math.max(1, Math.round((at.getTime() - now) / 60_000)),
  };
}

async function pairRegister(api: PosApi, tenant: ManagedTenant, values: Record<string, string>) {
  const parsed = pairRegisterSchema.safeParse(values.storeId ? values : {});
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  try {
    const open = (await api.get<Page<Store>>('/v1/stores')).data.items.filter((store) => !store.closedAt);
    const store = open.find((candidate) => candidate.id === parsed.data.storeId) ?? open[0];
    // With several open stores the register's store is chosen here, not guessed.
    if (open.length > 1 && !parsed.data.storeId)
      return invalid({ storeId: 'Choose the store the new register sells in.' }, values);
    const { data } = await api.send<PairingCode>(
      'POST',
      '/v1/devices/pairing-codes',
      parsed.data.storeId ? { storeId: parsed.data.storeId } : {},
    );
    return {
      pairing: {
        code: data.code,
        expiresAt: data.expiresAt,
        ...expiryOf(data.expiresAt, tenant.locale, store?.timezone),
        storeName: store?.name ?? null,
        tillUrl: tenant.tillUrl,
      },
    };
  } catch (error) {
    return fromPosApiError(error, values, {
      store_closed: 'That store is closed. Choose an open store.',
      forbidden: 'Your role cannot pair registers. Ask an owner or a manager of the account.',
    });
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  if (values.intent === 'pair') return pairRegister(api, tenant, values);
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
  const pairing = result && 'pairing' in result ? result.pairing : undefined;
  // A failed pairing shows its message in the pairing section, next to the store choice.
  const pairFailed = failed?.values.intent === 'pair' ? failed : undefined;
  const listFailed = pairFailed ? undefined : failed;
  const storeName = (id: string | null) => stores.find((store) => store.id === id)?.name ?? 'no store';
  return (
    <section className="card">
      <h1>Registers</h1>
      <Outcome result={result} />
      <FormError
        message={listFailed ? (listFailed.errors.form ?? Object.values(listFailed.errors)[0]) : undefined}
      />
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
              <ActionForm intent="rename" fields={{ id: register.id }}>
                <InlineInput
                  id={`rename-${register.id}`}
                  label={`New name for ${register.name}`}
                  name="name"
                  defaultValue={register.name}
                />
                <button type="submit" className="secondary">
                  Rename
                </button>
              </ActionForm>
              <ActionForm intent="move" fields={{ id: register.id }}>
                <InlineSelect
                  id={`move-${register.id}`}
                  label={`Store of ${register.name}`}
                  name="storeId"
                  defaultValue={register.storeId ?? ''}
                  options={[
                    ...(register.storeId ? [] : [{ value: '', label: 'Choose a store' }]),
                    ...stores.map((store) => ({ value: store.id, label: store.name })),
                  ]}
                />
                <button type="submit" className="secondary">
                  Move
                </button>
              </ActionForm>
              <ActionForm
                intent="active"
                fields={{ id: register.id, active: register.revokedAt ? 'true' : 'false' }}
              >
                <button type="submit" className={register.revokedAt ? 'secondary' : 'secondary danger'}>
                  {register.revokedAt ? 'Reactivate' : 'Deactivate'}
                </button>
              </ActionForm>
            </div>
          </li>
        ))}
      </ul>
      <PairRegister
        stores={stores.filter((store) => !store.closedAt)}
        pairing={pairing}
        error={pairFailed ? (pairFailed.errors.form ?? pairFailed.errors.storeId) : undefined}
        storeError={pairFailed?.errors.storeId}
      />
    </section>
  );
}

function PairRegister(props: {
  stores: Store[];
  pairing: Extract<Awaited<ReturnType<typeof pairRegister>>, { pairing: unknown }>['pairing'] | undefined;
  error: string | undefined;
  storeError: string | undefined;
}) {
  const { stores, pairing } = props;
  const codeHeading = useRef<HTMLHeadingElement>(null);
  // A new code takes the focus, so a screen reader reads it and the instructions next.
  useEffect(() => {
    if (pairing) codeHeading.current?.focus();
  }, [pairing]);
  return (
    <section className="pair" aria-labelledby="pair-heading">
      <h2 id="pair-heading">Pair a register</h2>
      <p className="muted">
        A new tablet, phone or computer becomes a register of your store with a one-time code.
      </p>
      <ActionForm intent="pair">
        {stores.length > 1 ? (
          <>
            <label htmlFor="pair-store">Store of the new register</label>
            <select
              id="pair-store"
              name="storeId"
              defaultValue=""
              aria-invalid={props.storeError ? true : undefined}
              aria-describedby={props.storeError ? 'pair-store-error' : undefined}
            >
              <option value="">Choose a store</option>
              {stores.map((store) => (
                <option key={store.id} value={store.id}>
                  {store.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <button type="submit">{pairing ? 'Make another code' : 'Pair a register'}</button>
      </ActionForm>
      {props.error ? (
        <p className="error" id={props.storeError ? 'pair-store-error' : undefined} role="alert">
          {props.error}
        </p>
      ) : null}
      {pairing ? (
        <div className="pairing" role="status">
          <h3 ref={codeHeading} tabIndex={-1}>
            Pairing code{pairing.storeName ? ` for ${pairing.storeName}` : ''}
          </h3>
          <p className="pairing-code" data-testid="pairing-code">
            {pairing.code}
          </p>
          <p>
            Works once, until <strong>{pairing.time}</strong> ({pairing.minutes} minutes).
          </p>
          <ol className="steps">
            <li>
              On the new register, open{' '}
              <a className="till-url" href={pairing.tillUrl}>
                {pairing.tillUrl}
              </a>{' '}
              in the browser.
            </li>
            <li>Type this code where it asks for a pairing code, and give the register a name.</li>
            <li>Staff then sign in there with their staff code and PIN.</li>
          </ol>
        </div>
      ) : null}
    </section>
  );
}
