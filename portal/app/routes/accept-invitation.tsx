// The link from an invitation e-mail. Someone new chooses a password; someone with a CloudPOS login
// logs in as the invited address first and then joins. Opening the link changes nothing (mail
// scanners fetch links): a person's POST with the CSRF token does.
import {
  Form,
  Link,
  redirect,
  useActionData,
  useLoaderData,
  useNavigation,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../csrf-field.tsx';
import { Field, FormError, useFormSchema } from '../form-kit.tsx';
import { acceptInvitationSchema, fieldErrors, formObject, joinAccountSchema } from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { servicesOf } from '../guards.server.ts';

export const meta = () => [{ title: 'Accept an invitation · CloudPOS' }];

const STATE_MESSAGE = {
  expired: 'This invitation has expired. Ask the person who invited you for a new one.',
  used: 'This invitation was already accepted. Log in to continue.',
  revoked: 'This invitation was withdrawn. Ask the person who invited you for a new one.',
} as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const services = servicesOf(context);
  const token = new URL(request.url).searchParams.get('token') ?? '';
  const invitation = joinAccountSchema.safeParse({ token }).success
    ? await services.invitationByToken(token)
    : undefined;
  const user = await services.sessions.userOf(request);
  return {
    token,
    invitation: invitation ?? null,
    signedInAs: user?.email ?? null,
    next: `/invitations/accept?token=${encodeURIComponent(token)}`,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const services = servicesOf(context);
  const values = formObject(await request.formData());
  const signedIn = await services.sessions.userOf(request);
  // With a password: a new login; without: the signed-in invitee joins.
  const parsed = acceptInvitationSchema.partial({ password: true }).safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const { password } = parsed.data;
  try {
    const userId = await services.acceptInvitation(parsed.data.token, {
      signedIn,
      ...(password !== undefined && { password }),
    });
    // A new login is signed in at once (instead of whoever was); the invitee signed in stays so.
    return redirect(
      '/',
      signedIn?.id === userId
        ? undefined
        : { headers: { 'set-cookie': await services.sessions.create(userId) } },
    );
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function AcceptInvitation() {
  const { token, invitation, signedInAs, next } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { errors, onSubmit } = useFormSchema(acceptInvitationSchema, result?.errors);
  const busy = useNavigation().state === 'submitting';
  if (invitation?.state !== 'open') {
    return (
      <section className="card">
        <h1>Invitation</h1>
        <p role="alert">
          {invitation
            ? STATE_MESSAGE[invitation.state]
            : 'This link is not valid. Check that it was copied whole.'}
        </p>
        <p>
          <Link to="/login">Log in</Link>
        </p>
      </section>
    );
  }
  const role = invitation.role === 'owner' ? 'an owner' : 'a manager';
  const intro = (
    <>
      <h1>Join {invitation.accountName}</h1>
      <p>
        You are invited to manage <strong>{invitation.accountName}</strong> on CloudPOS as {role}, with the
        e-mail <strong>{invitation.email}</strong>.
      </p>
    </>
  );
  if (invitation.hasLogin) {
    const rightPerson = signedInAs?.toLowerCase() === invitation.email.toLowerCase();
    return (
      <section className="card">
        {intro}
        <FormError message={result?.errors.form} />
        {rightPerson ? (
          <Form method="post">
            <CsrfField />
            <input type="hidden" name="token" value={token} />
            <button type="submit" disabled={busy}>
              Join {invitation.accountName}
            </button>
          </Form>
        ) : signedInAs ? (
          <p className="banner">
            You are logged in as {signedInAs}. Log out, then open this link again and log in as{' '}
            {invitation.email}.
          </p>
        ) : (
          <>
            <p>You already have a CloudPOS login with this e-mail: log in, then join.</p>
            <Link className="button" to={`/login?next=${encodeURIComponent(next)}`}>
              Log in to accept
            </Link>
          </>
        )}
      </section>
    );
  }
  return (
    <section className="card">
      {intro}
      <Form method="post" onSubmit={onSubmit} noValidate>
        <CsrfField />
        <input type="hidden" name="token" value={token} />
        <FormError message={result?.errors.form ?? result?.errors.token} />
        <Field
          name="password"
          label="Choose a password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters."
          error={errors.password}
        />
        <button type="submit" disabled={busy}>
          Accept and continue
        </button>
      </Form>
    </section>
  );
}
