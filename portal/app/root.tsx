import {
  Form,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  data,
  isRouteErrorResponse,
  useRouteError,
  useRouteLoaderData,
  type LoaderFunctionArgs,
  type MiddlewareFunction,
} from 'react-router';
import { CsrfField } from './csrf-field.tsx';
import { servicesOf } from './guards.server.ts';
import stylesUrl from './styles.css?url';

export const links = () => [
  { rel: 'stylesheet', href: stylesUrl },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

/** Every action, on every route, first passes the CSRF check: a POST without the token never runs. */
export const middleware: MiddlewareFunction<Response>[] = [
  async ({ request, context }, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      if (!(await servicesOf(context).csrf.verify(request))) {
        throw data('This form has expired. Reload the page and try again.', { status: 403 });
      }
    }
    return next();
  },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const services = servicesOf(context);
  const { token, setCookie } = await services.csrf.tokenFor(request);
  const user = await services.sessions.userOf(request);
  return data(
    { csrf: token, user: user ? { email: user.email, accountName: user.accountName } : null },
    setCookie ? { headers: { 'set-cookie': setCookie } } : undefined,
  );
}

export function Layout({ children }: { children: React.ReactNode }) {
  const root = useRouteLoaderData<typeof loader>('root');
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <header className="top">
          <Link to="/" className="brand">
            CloudPOS
          </Link>
          {root?.user ? (
            <Form method="post" action="/logout" className="logout">
              <span className="who">{root.user.accountName}</span>
              <CsrfField />
              <button type="submit" className="secondary">
                Log out
              </button>
            </Form>
          ) : null}
        </header>
        <main>{children}</main>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message = isRouteErrorResponse(error)
    ? typeof error.data === 'string'
      ? error.data
      : error.statusText
    : 'Something went wrong on our side. Try again in a minute.';
  return (
    <section className="card">
      <h1>{status === 404 ? 'Not found' : status === 403 ? 'Refused' : 'Error'}</h1>
      <p role="alert">{message}</p>
      <p>
        <Link to="/">Back to the start page</Link>
      </p>
    </section>
  );
}
