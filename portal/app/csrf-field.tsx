import { useRouteLoaderData } from 'react-router';

/** The hidden CSRF field every form carries; the root middleware refuses a POST without it. */
export function CsrfField() {
  const root = useRouteLoaderData<{ csrf: string }>('root');
  return <input type="hidden" name="csrf" value={root?.csrf ?? ''} />;
}
