import { Link, redirect, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { requireUser } from '../guards.server.ts';

export const meta = () => [{ title: 'Check your e-mail · CloudPOS' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const user = await requireUser(context, request, { verified: false });
  if (user.emailVerified) throw redirect('/plans');
  return { email: user.email };
}

export default function CheckEmail() {
  const { email } = useLoaderData<typeof loader>();
  return (
    <section className="card">
      <h1>Check your e-mail</h1>
      <p>
        We sent a link to <strong>{email}</strong>. Open it to confirm your address, then choose your plan.
      </p>
      <p>
        <Link to="/check-email">I have confirmed it</Link>
      </p>
    </section>
  );
}
