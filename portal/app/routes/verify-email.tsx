// The link from the e-mail opens a page with one button: mail scanners that fetch links do not
// confirm anything, a person's click (a POST with the CSRF token) does.
import {
  Form,
  redirect,
  useActionData,
  useLoaderData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import { CsrfField } from '../csrf-field.tsx';
import { FormError } from '../form-kit.tsx';
import { formObject, verifyEmailSchema } from '../forms.ts';
import { fromPortalError, invalid } from '../action-errors.server.ts';
import { servicesOf } from '../guards.server.ts';

export const meta = () => [{ title: 'Confirm your e-mail · CloudPOS' }];

export function loader({ request }: LoaderFunctionArgs) {
  return { token: new URL(request.url).searchParams.get('token') ?? '' };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const values = formObject(await request.formData());
  const parsed = verifyEmailSchema.safeParse(values);
  if (!parsed.success) return invalid({ form: 'This link is not valid.' });
  const services = servicesOf(context);
  try {
    const userId = await services.verifyEmail(parsed.data.token);
    // The link is not a way to sign in: another browser logs in with the password next.
    const signedIn = (await services.sessions.userOf(request))?.id === userId;
    return redirect(signedIn ? '/plans' : '/login?next=/plans');
  } catch (error) {
    return fromPortalError(error, {});
  }
}

export default function VerifyEmail() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section className="card">
      <h1>Confirm your e-mail</h1>
      <Form method="post">
        <CsrfField />
        <input type="hidden" name="token" value={token} />
        <FormError message={result?.errors.form} />
        <button type="submit">Confirm my e-mail address</button>
      </Form>
    </section>
  );
}
