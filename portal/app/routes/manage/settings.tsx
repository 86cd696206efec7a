// The tenant's settings, one form per group of GET /v1/settings: rounding, the discount limit, what a
// register may do offline, and the receipt's header and footer. Amounts are typed in the tenant's
// currency and sent in minor units. Owners change them (the API's settings.manage decides);
// managers see them read-only.
import { Fragment, useMemo, type ReactNode } from 'react';
import {
  Link,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { invalid } from '../../action-errors.server.ts';
import { ActionForm, CheckboxField, Field, FormError, SelectField, useFormSchema } from '../../form-kit.tsx';
import {
  fieldErrors,
  formObject,
  RECEIPT_TEXT_LIMITS,
  settingsSchemas,
  SETTINGS_GROUPS,
  type FieldErrors,
  type SettingsGroup,
} from '../../forms.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney, moneyInput } from '../../money.ts';
import { can } from '../../rights.ts';
import { useTenant, type ManagedTenant } from './layout.tsx';
import type { TenantSettings } from './types.ts';

export const meta = () => [{ title: 'Settings · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  try {
    const { data } = await api.get<TenantSettings>('/v1/settings');
    return { settings: data, canChange: can(tenant.role, 'settings.manage') };
  } catch (error) {
    return loaderError(error);
  }
}

const SAVED: Record<SettingsGroup, string> = {
  pricing: 'Rounding saved.',
  sales: 'Discount limit saved.',
  offline: 'Offline limits saved. Registers use them from their next sync.',
  receipt: 'Receipt text saved. Every receipt printed from now on shows it.',
};

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  const group = SETTINGS_GROUPS.find((candidate) => candidate === values.intent);
  if (!group) return invalid({ form: 'Unknown action. Reload the page.' }, values);
  const parsed = settingsSchemas(tenant.currency)[group].safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  try {
    // The API decides who may: a manager's portal token is refused there (settings.manage).
    await api.send('PUT', `/v1/settings/${group}`, parsed.data);
    return { ok: SAVED[group], group };
  } catch (error) {
    return fromPosApiError(error, values, {
      forbidden: 'Only an owner of the account can change settings.',
    });
  }
}

type Failed = { errors: FieldErrors; values: Record<string, string> };

export default function Settings() {
  const { settings, canChange } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const tenant = useTenant();
  const failed: Failed | undefined = result && 'errors' in result ? result : undefined;
  const saved = result && 'ok' in result ? result : undefined;
  const money = (minor: number) => formatMoney(minor, tenant.currency, tenant.locale);
  const groupProps = (group: SettingsGroup) => ({
    group,
    tenant,
    canChange,
    saved: saved?.group === group ? saved.ok : undefined,
    failed: failed?.values.intent === group ? failed : undefined,
  });
  const { pricing, sales, offline, receipt } = settings;
  const tenderNames = offline.tenders.map((tender) => TENDERS[tender]).join(', ') || 'none';
  return (
    <section className="card">
      <h1>Settings</h1>
      {canChange ? null : <p className="muted">Only an owner of the account can change these settings.</p>}
      {failed && !failed.values.intent ? <FormError message={failed.errors.form} /> : null}

      <SettingsGroupForm
        {...groupProps('pricing')}
        title="Rounding"
        save="Save rounding"
        values={[
          ['Amounts round', pricing.mode === 'half-even' ? MODES['half-even'] : MODES['half-up']],
          ['Tax rounds', LEVELS[pricing.level]],
          ['Cash totals round to', money(pricing.cashIncrement)],
        ]}
      >
        {(errors, value) => (
          <>
            <p className="hint">
              Whether prices include tax is set for each tax category, on{' '}
              <Link to={`/tenants/${tenant.slug}/manage/taxes`}>Taxes</Link>.
            </p>
            <SelectField
              name="mode"
              label="Amounts round"
              idPrefix="pricing"
              options={Object.entries(MODES).map(([key, label]) => ({ value: key, label }))}
              defaultValue={value('mode', pricing.mode)}
              error={errors.mode}
            />
            <SelectField
              name="level"
              label="Tax rounds"
              idPrefix="pricing"
              options={Object.entries(LEVELS).map(([key, label]) => ({ value: key, label }))}
              defaultValue={value('level', pricing.level)}
              error={errors.level}
            />
            <Field
              name="cashIncrement"
              label={`Cash totals round to (${tenant.currency})`}
              idPrefix="pricing"
              inputMode="decimal"
              hint={`${money(1)} means no cash rounding; ${money(5)} rounds cash totals to the nearest ${money(5)}.`}
              defaultValue={value(
                'cashIncrement',
                moneyInput(pricing.cashIncrement, tenant.currency, tenant.locale),
              )}
              error={errors.cashIncrement}
            />
          </>
        )}
      </SettingsGroupForm>

      <SettingsGroupForm
        {...groupProps('sales')}
        title="Discounts"
        save="Save discount limit"
        values={[['Discount limit', `${sales.discountLimitPercent} %`]]}
      >
        {(errors, value) => (
          <Field
            name="discountLimitPercent"
            label="Discount limit (percent)"
            idPrefix="sales"
            inputMode="decimal"
            hint="A larger discount needs a manager’s approval at the till."
            defaultValue={value('discountLimitPercent', sales.discountLimitPercent)}
            error={errors.discountLimitPercent}
          />
        )}
      </SettingsGroupForm>

      <SettingsGroupForm
        {...groupProps('offline')}
        title="Selling offline"
        save="Save offline limits"
        values={[
          ['Longest time offline', `${offline.maxOfflineHours} h`],
          ['Largest sale offline', money(offline.maxSaleAmount)],
          ['Most money waiting on a register', money(offline.maxQueuedAmount)],
          ['Most sales waiting on a register', String(offline.maxQueuedSales)],
          ['Tenders offline', tenderNames],
        ]}
      >
        {(errors, value, checked) => (
          <>
            <p className="hint">
              A register without the network keeps selling within these limits; the sales go to the server
              when it is back.
            </p>
            <Field
              name="maxOfflineHours"
              label="Longest time offline (hours)"
              idPrefix="offline"
              inputMode="numeric"
              hint="0: registers never sell without the network. At most 168 (a week)."
              defaultValue={value('maxOfflineHours', String(offline.maxOfflineHours))}
              error={errors.maxOfflineHours}
            />
            <Field
              name="maxSaleAmount"
              label={`Largest sale offline (${tenant.currency})`}
              idPrefix="offline"
              inputMode="decimal"
              defaultValue={value(
                'maxSaleAmount',
                moneyInput(offline.maxSaleAmount, tenant.currency, tenant.locale),
              )}
              error={errors.maxSaleAmount}
            />
            <Field
              name="maxQueuedAmount"
              label={`Most money waiting on one register (${tenant.currency})`}
              idPrefix="offline"
              inputMode="decimal"
              defaultValue={value(
                'maxQueuedAmount',
                moneyInput(offline.maxQueuedAmount, tenant.currency, tenant.locale),
              )}
              error={errors.maxQueuedAmount}
            />
            <Field
              name="maxQueuedSales"
              label="Most sales waiting on one register"
              idPrefix="offline"
              inputMode="numeric"
              defaultValue={value('maxQueuedSales', String(offline.maxQueuedSales))}
              error={errors.maxQueuedSales}
            />
            <fieldset className="checks" aria-describedby="offline-tenders-hint">
              <legend>Tenders a register may take offline</legend>
              <CheckboxField
                name="tenderCash"
                label={TENDERS.cash}
                idPrefix="offline"
                defaultChecked={checked('tenderCash', offline.tenders.includes('cash'))}
              />
              <CheckboxField
                name="tenderExternal"
                label={TENDERS.external}
                idPrefix="offline"
                defaultChecked={checked('tenderExternal', offline.tenders.includes('external'))}
              />
              <p className="hint" id="offline-tenders-hint">
                Card payments always need the network.
              </p>
            </fieldset>
          </>
        )}
      </SettingsGroupForm>

      <SettingsGroupForm
        {...groupProps('receipt')}
        title="Receipts"
        save="Save receipt text"
        values={[
          ['Header', receipt.header.join('\n') || 'none'],
          ['Footer', receipt.footer.join('\n') || 'none'],
        ]}
      >
        {(errors, value) => (
          <>
            <Field
              rows={3}
              required={false}
              name="header"
              label="Receipt header"
              idPrefix="receipt"
              hint={`Printed under the store’s name, such as opening hours. Up to ${RECEIPT_TEXT_LIMITS.lines} lines of ${RECEIPT_TEXT_LIMITS.characters} characters.`}
              defaultValue={value('header', receipt.header.join('\n'))}
              error={errors.header}
            />
            <Field
              rows={3}
              required={false}
              name="footer"
              label="Receipt footer"
              idPrefix="receipt"
              hint="Printed at the end of every receipt, such as your returns policy."
              defaultValue={value('footer', receipt.footer.join('\n'))}
              error={errors.footer}
            />
          </>
        )}
      </SettingsGroupForm>
    </section>
  );
}

const MODES = { 'half-even': 'half to even (banker’s)', 'half-up': 'half up' } as const;
const LEVELS = { line: 'on each line', document: 'once for the whole sale' } as const;
const TENDERS = { cash: 'Cash', external: 'Other tenders (voucher, bank transfer)' } as const;

/**
 * One group: its values read-only for those who cannot change them, else its form, checked in the
 * browser with the schema the action uses, showing what was typed again when the server refused it.
 */
function SettingsGroupForm(props: {
  group: SettingsGroup;
  tenant: ManagedTenant;
  canChange: boolean;
  title: string;
  save: string;
  values: [string, string][];
  saved: string | undefined;
  failed: Failed | undefined;
  children: (
    errors: FieldErrors,
    value: (name: string, current: string) => string,
    checked: (name: string, current: boolean) => boolean,
  ) => ReactNode;
}) {
  const schema = useMemo(
    () => settingsSchemas(props.tenant.currency)[props.group],
    [props.tenant, props.group],
  );
  const { errors, onSubmit } = useFormSchema(schema, props.failed?.errors);
  const headingId = `settings-${props.group}`;
  const typed = props.failed?.values;
  const value = (name: string, current: string) => typed?.[name] ?? current;
  const checked = (name: string, current: boolean) => (typed ? typed[name] === 'on' : current);
  return (
    <section className="settings-group" aria-labelledby={headingId}>
      <h2 id={headingId}>{props.title}</h2>
      {props.saved ? (
        <p className="banner ok" role="status">
          {props.saved}
        </p>
      ) : null}
      {props.canChange ? (
        // A new key after each save: the form starts again from the values just stored.
        <ActionForm intent={props.group} block noValidate onSubmit={onSubmit} key={props.saved ?? 'form'}>
          <FormError message={errors.form} />
          {props.children(errors, value, checked)}
          <button type="submit">{props.save}</button>
        </ActionForm>
      ) : (
        <dl className="settings-values">
          {props.values.map(([term, description]) => (
            <Fragment key={term}>
              <dt>{term}</dt>
              <dd>{description}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </section>
  );
}
