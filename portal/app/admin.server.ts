// The guard of the platform operators' pages: an operator's own session (its own cookie and table),
// else the operators' log-in page. A merchant's session is no way in.
import { redirect, type RouterContextProvider } from 'react-router';
import type { PlatformAdmin } from '../src/admin.ts';
import { servicesOf } from './guards.server.ts';

export async function requireAdmin(
  context: Readonly<RouterContextProvider>,
  request: Request,
): Promise<PlatformAdmin> {
  const admin = await servicesOf(context).admin.sessions.adminOf(request);
  if (!admin) throw redirect('/admin/login');
  return admin;
}
