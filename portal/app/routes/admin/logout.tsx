import { redirect, type ActionFunctionArgs } from 'react-router';
import { servicesOf } from '../../guards.server.ts';

export async function loader() {
  return redirect('/admin');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const cookie = await servicesOf(context).admin.sessions.destroy(request);
  return redirect('/admin/login', { headers: { 'set-cookie': cookie } });
}
