import {
  Form,
  Link,
  redirect,
  useActionData,
  useNavigation,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../csrf-field.tsx';
import { Field, FormError, useFormSchema } from '../form-kit.tsx';
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
  const { errors, onSubmit } = useFormSchema(logInSchema, result?.errors);
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="card">
      <h1>Log in</h1>
      <Form method="post" noValidate onSubmit={onSubmit}>
        <CsrfField />
        <FormError message={errors.form} />
        <Field
          name="email"
          label="E-mail"
          type="email"
          autoComplete="email"
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
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}
