// The platform operators' log-in: their own accounts (`npm run platform-admin`), not merchants'.
import {
  Form,
  redirect,
  useActionData,
  useNavigation,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../../csrf-field.tsx';
import { Field, FormError, useFormSchema } from '../../form-kit.tsx';
import { fieldErrors, formObject, logInSchema } from '../../forms.ts';
import { fromPortalError, invalid } from '../../action-errors.server.ts';
import { clientAddressOf, servicesOf } from '../../guards.server.ts';

export const meta = () => [{ title: 'Platform operators · CloudPOS' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await servicesOf(context).admin.sessions.adminOf(request)) throw redirect('/admin');
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formObject(await request.formData());
  const parsed = logInSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const { admin } = servicesOf(context);
  try {
    const adminId = await admin.logIn(parsed.data, clientAddressOf(context));
    return redirect('/admin', { headers: { 'set-cookie': await admin.sessions.create(adminId) } });
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function AdminLogIn() {
  const result = useActionData<typeof action>();
  const { errors, onSubmit } = useFormSchema(logInSchema, result?.errors);
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="card">
      <h1>Platform operators</h1>
      <p className="muted">For CloudPOS staff. Merchants log in on the start page.</p>
      <Form method="post" onSubmit={onSubmit} noValidate>
        <CsrfField />
        <FormError message={result?.errors.form} />
        <Field
          name="email"
          label="E-mail"
          type="email"
          autoComplete="username"
          defaultValue={result?.values.email}
          error={errors.email}
        />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          error={errors.password}
        />
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </Form>
    </section>
  );
}
