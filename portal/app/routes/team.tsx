// The people of a merchant account: its members and their roles, the invitations waiting for an
// answer, and a form to invite someone by e-mail. Owners invite owners and managers, change roles
// and remove members; managers invite managers. The server decides (src/members.ts); the page only
// hides what would be refused.
import { useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import {
  ActionForm,
  Field,
  FormError,
  freshAfter,
  Outcome,
  SelectField,
  useFormSchema,
} from '../form-kit.tsx';
import {
  fieldErrors,
  formObject,
  inviteMemberSchema,
  memberRoleSchema,
  removeMemberSchema,
  revokeInvitationSchema,
} from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { requireUser, servicesOf } from '../guards.server.ts';
import { can, type AccountRole } from '../rights.ts';
import { utcMinute } from '../money.ts';

export const meta = () => [{ title: 'Team · CloudPOS' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request);
  const { members, invitations } = await servicesOf(context).membersOf(user);
  return {
    you: user.id,
    accountName: user.accountName,
    role: user.role,
    members,
    invitations,
  };
}

const ROLE_NAME: Record<AccountRole, string> = { owner: 'an owner', manager: 'a manager' };

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requireUser(context, request);
  const services = servicesOf(context);
  const values = formObject(await request.formData());
  try {
    switch (values.intent) {
      case 'invite': {
        const parsed = inviteMemberSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        await services.inviteMember(user, parsed.data);
        return { ok: `Invitation sent to ${parsed.data.email}. The link works for 7 days, once.` };
      }
      case 'revoke': {
        const parsed = revokeInvitationSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        return {
          ok: `The invitation to ${await services.revokeInvitation(user, parsed.data.id)} is revoked.`,
        };
      }
      case 'role': {
        const parsed = memberRoleSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        const email = await services.changeMemberRole(user, parsed.data);
        return { ok: `${email} is now ${ROLE_NAME[parsed.data.role]}.` };
      }
      case 'remove': {
        const parsed = removeMemberSchema.safeParse(values);
        if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
        return { ok: `${await services.removeMember(user, parsed.data.userId)} no longer has access.` };
      }
      default:
        return invalid({ form: 'Unknown action. Reload the page.' }, values);
    }
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function Team() {
  const { you, accountName, role, members, invitations } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const failed = result && 'errors' in result ? result : undefined;
  const inviteFailed = failed?.values.intent === 'invite' ? failed : undefined;
  const { errors, onSubmit } = useFormSchema(inviteMemberSchema, inviteFailed?.errors);
  const manage = can(role, 'members.manage');
  const invitable = (['manager', 'owner'] as const).filter((candidate) =>
    can(role, candidate === 'owner' ? 'members.invite_owner' : 'members.invite_manager'),
  );
  return (
    <section className="card">
      <h1>Team of {accountName}</h1>
      <Outcome result={result} />
      <FormError
        message={
          failed && !inviteFailed ? (failed.errors.form ?? Object.values(failed.errors)[0]) : undefined
        }
      />
      <h2>Members</h2>
      <ul className="rows" aria-label="Members">
        {members.map((member) => (
          <li key={member.userId} className="row">
            <div>
              <strong>{member.email}</strong>
              <span className="tag">{member.role}</span>
              {member.userId === you ? <span className="muted"> (you)</span> : null}
            </div>
            {manage ? (
              <div className="row-actions">
                <ActionForm intent="role" fields={{ userId: member.userId }}>
                  <label htmlFor={`role-${member.userId}`} className="visually-hidden">
                    Role of {member.email}
                  </label>
                  <select id={`role-${member.userId}`} name="role" defaultValue={member.role}>
                    <option value="owner">Owner</option>
                    <option value="manager">Manager</option>
                  </select>
                  <button type="submit" className="secondary">
                    Change role
                  </button>
                </ActionForm>
                {member.userId === you ? null : (
                  <ActionForm intent="remove" fields={{ userId: member.userId }}>
                    <button type="submit" className="secondary danger" aria-label={`Remove ${member.email}`}>
                      Remove
                    </button>
                  </ActionForm>
                )}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {invitations.length > 0 ? (
        <>
          <h2>Waiting for an answer</h2>
          <ul className="rows" aria-label="Invitations">
            {invitations.map((invitation) => (
              <li key={invitation.id} className="row">
                <div>
                  <strong>{invitation.email}</strong>
                  <span className="tag">{invitation.role}</span>{' '}
                  <span className="muted">until {utcMinute(invitation.expiresAt)}</span>
                </div>
                {invitable.includes(invitation.role) ? (
                  <ActionForm intent="revoke" fields={{ id: invitation.id }}>
                    <button
                      type="submit"
                      className="secondary danger"
                      aria-label={`Revoke the invitation to ${invitation.email}`}
                    >
                      Revoke
                    </button>
                  </ActionForm>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2 id="invite-heading">Invite someone</h2>
      <p className="muted">
        They get an e-mail with a link that works for 7 days, once.{' '}
        {invitable.includes('owner')
          ? 'Owners can do everything; managers run the stores but cannot pay, invite owners or change roles.'
          : 'As a manager you can invite managers.'}
      </p>
      <ActionForm
        intent="invite"
        block
        key={freshAfter(result, 'invite')}
        onSubmit={onSubmit}
        noValidate
        aria-labelledby="invite-heading"
      >
        <FormError message={inviteFailed?.errors.form} />
        <Field
          name="email"
          label="E-mail"
          type="email"
          autoComplete="off"
          idPrefix="invite"
          defaultValue={inviteFailed?.values.email}
          error={errors.email}
        />
        <SelectField
          name="role"
          label="Role"
          idPrefix="invite"
          options={invitable.map((value) => ({ value, label: value === 'owner' ? 'Owner' : 'Manager' }))}
          defaultValue={inviteFailed?.values.role ?? 'manager'}
          error={errors.role}
        />
        <button type="submit">Send invitation</button>
      </ActionForm>
    </section>
  );
}
