// The platform operators' log-in: their own accounts (`npm run platform-admin`), not merchants', with
// the code of their authenticator app as a second factor.
import { redirect, useActionData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { LogInForm } from '../../form-kit.tsx';
import { adminLogInSchema, fieldErrors, formObject } from '../../forms.ts';
import { fromPortalError, invalid } from '../../action-errors.server.ts';
import { clientAddressOf, servicesOf } from '../../guards.server.ts';

export const meta = () => [{ title: 'Platform operators · CloudPOS' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await servicesOf(context).admin.sessions.adminOf(request)) throw redirect('/admin');
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formObject(await request.formData());
  const parsed = adminLogInSchema.safeParse(values);
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
  return (
    <section className="card">
      <h1>Platform operators</h1>
      <p className="muted">For CloudPOS staff. Merchants log in on the start page.</p>
      <LogInForm result={result} emailAutoComplete="username" withCode />
    </section>
  );
}
