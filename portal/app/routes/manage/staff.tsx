// Staff of a tenant (the people who sign in on the tills with a code and PIN): add one with a role,
// reset a PIN, deactivate or reactivate. The API decides who may manage whom (managers: cashiers).
import { useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import {
  ActionForm,
  Field,
  FormError,
  freshAfter,
  InlineInput,
  Outcome,
  SelectField,
  useListForms,
} from '../../form-kit.tsx';
import { fieldErrors, formObject, newStaffSchema, resetPinSchema, staffActiveSchema } from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import type { Page, StaffMember } from './types.ts';

export const meta = () => [{ title: 'Staff · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  try {
    const { data } = await api.get<Page<StaffMember>>('/v1/staff');
    return { staff: data.items, role: tenant.role };
  } catch (error) {
    return loaderError(error);
  }
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  // A PIN is never sent back to the page.
  const { pin: _pin, ...safeValues } = values;
  try {
    if (values.intent === 'create') {
      const parsed = newStaffSchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), safeValues);
      const { data } = await api.send<StaffMember>('POST', '/v1/staff', parsed.data);
      return { ok: `${data.displayName} can now sign in on the tills with code ${data.code}.` };
    }
    if (values.intent === 'pin') {
      const parsed = resetPinSchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), safeValues);
      const { data } = await api.send<StaffMember>('PATCH', `/v1/staff/${parsed.data.id}`, {
        pin: parsed.data.pin,
      });
      return { ok: `New PIN set for ${data.displayName}; their sign-ins on the tills ended.` };
    }
    if (values.intent === 'active') {
      const parsed = staffActiveSchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), safeValues);
      const { data } = await api.send<StaffMember>('PATCH', `/v1/staff/${parsed.data.id}`, {
        active: parsed.data.active === 'true',
      });
      return { ok: `${data.displayName} is ${data.active ? 'active again' : 'deactivated'}.` };
    }
    return invalid({ form: 'Unknown action. Reload the page.' }, safeValues);
  } catch (error) {
    return fromPosApiError(error, safeValues);
  }
}

const ROLE_OPTIONS = [
  { value: 'cashier', label: 'Cashier' },
  { value: 'manager', label: 'Manager' },
  { value: 'owner', label: 'Owner' },
];

export default function Staff() {
  const { staff, role } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { failed, errors, onSubmit, rowError } = useListForms(newStaffSchema, result);
  return (
    <section className="card">
      <h1>Staff</h1>
      <Outcome result={result} />
      <FormError message={rowError} />
      <ul className="rows" aria-label="Staff">
        {staff.map((member) => (
          <li key={member.id} className="row">
            <div>
              <strong>{member.displayName}</strong> <span className="muted">code {member.code}</span>{' '}
              <span className="tag">{member.role}</span>
              {member.active ? null : <span className="tag">deactivated</span>}
            </div>
            <div className="row-actions">
              <ActionForm intent="pin" fields={{ id: member.id }}>
                <InlineInput
                  id={`pin-${member.id}`}
                  label={`New PIN for ${member.displayName}`}
                  name="pin"
                  type="password"
                  inputMode="numeric"
                  autoComplete="new-password"
                  placeholder="New PIN"
                />
                <button type="submit" className="secondary">
                  Reset PIN
                </button>
              </ActionForm>
              <ActionForm
                intent="active"
                fields={{ id: member.id, active: member.active ? 'false' : 'true' }}
              >
                <button type="submit" className={member.active ? 'secondary danger' : 'secondary'}>
                  {member.active ? 'Deactivate' : 'Reactivate'}
                </button>
              </ActionForm>
            </div>
          </li>
        ))}
      </ul>
      <ActionForm intent="create" block noValidate onSubmit={onSubmit} key={freshAfter(result, 'new')}>
        <h2>Add a staff member</h2>
        <FormError message={errors.form} />
        <Field
          name="displayName"
          label="Name"
          idPrefix="new-staff"
          defaultValue={failed?.values.displayName}
          error={errors.displayName}
        />
        <Field
          name="code"
          label="Staff code"
          idPrefix="new-staff"
          hint="Typed on the till before the PIN, such as 1001."
          defaultValue={failed?.values.code}
          error={errors.code}
        />
        <SelectField
          name="role"
          label="Role"
          idPrefix="new-staff"
          options={role === 'owner' ? ROLE_OPTIONS : ROLE_OPTIONS.slice(0, 1)}
          defaultValue={failed?.values.role}
          error={errors.role}
        />
        <Field
          name="pin"
          label="PIN"
          type="password"
          inputMode="numeric"
          idPrefix="new-staff"
          hint="4 to 12 digits; tell it to them in person."
          error={errors.pin}
        />
        <button type="submit">Add staff member</button>
      </ActionForm>
    </section>
  );
}
