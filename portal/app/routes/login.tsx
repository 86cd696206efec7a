import {
  Link,
  redirect,
  useActionData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { LogInForm } from '../form-kit.tsx';
import { fieldErrors, formObject, logInSchema } from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { clientAddressOf, servicesOf } from '../guards.server.ts';

export const meta = () => [{ title: 'Log in · CloudPOS' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await servicesOf(context).sessions.userOf(request)) throw redirect('/');
  return null;
}

/** Only paths inside the portal: `next` must never send someone to another site. */
const safeNext = (next: string | null) => (next && /^\/[a-z]/.test(next) ? next : '/');

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formObject(await request.formData());
  const parsed = logInSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const services = servicesOf(context);
  try {
    const userId = await services.logIn(parsed.data, clientAddressOf(context));
    const next = safeNext(new URL(request.url).searchParams.get('next'));
    return redirect(next, { headers: { 'set-cookie': await services.sessions.create(userId) } });
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function LogIn() {
  const result = useActionData<typeof action>();
  return (
    <section className="card">
      <h1>Log in</h1>
      <LogInForm result={result} />
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}
