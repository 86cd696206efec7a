import { Form, useActionData, type ActionFunctionArgs } from 'react-router';
import { CsrfField } from '../csrf-field.tsx';
import { Field, FormError, useFormSchema } from '../form-kit.tsx';
import { fieldErrors, forgotPasswordSchema, formObject } from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { clientAddressOf, servicesOf } from '../guards.server.ts';

export const meta = () => [{ title: 'Reset your password · CloudPOS' }];

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formObject(await request.formData());
  const parsed = forgotPasswordSchema.safeParse(values);
  if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
  try {
    await servicesOf(context).requestPasswordReset(parsed.data.email, clientAddressOf(context));
    return { sent: true as const, errors: {}, values: {} };
  } catch (error) {
    return fromPortalError(error, values);
  }
}

export default function ForgotPassword() {
  const result = useActionData<typeof action>();
  const { errors, onSubmit } = useFormSchema(forgotPasswordSchema, result?.errors);
  if (result && 'sent' in result) {
    return (
      <section className="card">
        <h1>Check your e-mail</h1>
        <p role="status">If an account uses this address, we sent it a link to choose a new password.</p>
      </section>
    );
  }
  return (
    <section className="card">
      <h1>Reset your password</h1>
      <Form method="post" noValidate onSubmit={onSubmit}>
        <CsrfField />
        <FormError message={errors.form} />
        <Field name="email" label="E-mail" type="email" autoComplete="email" error={errors.email} />
        <button type="submit">Send me a link</button>
      </Form>
    </section>
  );
}
