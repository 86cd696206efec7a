import { redirect, type ActionFunctionArgs } from 'react-router';
import { servicesOf } from '../guards.server.ts';

export async function action({ request, context }: ActionFunctionArgs) {
  return redirect('/', { headers: { 'set-cookie': await servicesOf(context).sessions.destroy(request) } });
}

export const loader = () => redirect('/');
