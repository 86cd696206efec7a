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
import { fieldErrors, formObject, signUpSchema } from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { clientAddressOf, servicesOf } from '../guards.server.ts';

export const meta = () => [{ title: 'Sign up · CloudPOS' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  if (await servicesOf(context).sessions.userOf(request)) throw redirect('/');
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formObject(await request.formData());
  const parsed = signUpSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  const services = servicesOf(context);
  try {
    const { userId } = await services.signUp(parsed.data, clientAddressOf(context));
    return redirect('/check-email', { headers: { 'set-cookie': await services.sessions.create(userId) } });
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function SignUp() {
  const result = useActionData<typeof action>();
  const { errors, onSubmit } = useFormSchema(signUpSchema, result?.errors);
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="card">
      <h1>Create your CloudPOS account</h1>
      <p>Sign up, choose a plan, and your till is ready in a minute.</p>
      <Form method="post" noValidate onSubmit={onSubmit}>
        <CsrfField />
        <FormError message={errors.form} />
        <Field
          name="businessName"
          label="Business name"
          autoComplete="organization"
          defaultValue={result?.values.businessName}
          error={errors.businessName}
        />
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
          autoComplete="new-password"
          hint="At least 12 characters."
          error={errors.password}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </Form>
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
