import {
  Form,
  redirect,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../csrf-field.tsx';
import { Field, FormError, useFormSchema } from '../form-kit.tsx';
import { fieldErrors, formObject, resetPasswordSchema } from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { servicesOf } from '../guards.server.ts';

export const meta = () => [{ title: 'Choose a new password · CloudPOS' }];

export function loader({ request }: LoaderFunctionArgs) {
  return { token: new URL(request.url).searchParams.get('token') ?? '' };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formObject(await request.formData());
  const parsed = resetPasswordSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  try {
    await servicesOf(context).resetPassword(parsed.data.token, parsed.data.password);
    return redirect('/login?reset=1');
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function ResetPassword() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { errors, onSubmit } = useFormSchema(resetPasswordSchema, result?.errors);
  return (
    <section className="card">
      <h1>Choose a new password</h1>
      <Form method="post" noValidate onSubmit={onSubmit}>
        <CsrfField />
        <input type="hidden" name="token" value={token} />
        <FormError message={errors.form ?? errors.token} />
        <Field
          name="password"
          label="New password"
          type="password"
          autoComplete="new-password"
          hint="At least 12 characters."
          error={errors.password}
        />
        <button type="submit">Save the new password</button>
      </Form>
    </section>
  );
}
