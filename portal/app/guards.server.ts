// Guards at the top of loaders and actions: they return the signed-in user or throw a redirect.
import { redirect, type RouterContextProvider } from 'react-router';
import { clientContext, servicesContext } from '#context';
import type { PortalUser } from '../src/accounts.ts';
import type { PortalServices } from '../src/services.ts';

export const servicesOf = (context: Readonly<RouterContextProvider>): PortalServices =>
  context.get(servicesContext);
export const clientAddressOf = (context: Readonly<RouterContextProvider>) =>
  context.get(clientContext).address;

export async function requireUser(
  context: Readonly<RouterContextProvider>,
  request: Request,
  options: { verified?: boolean } = { verified: true },
): Promise<PortalUser> {
  const user = await servicesOf(context).sessions.userOf(request);
  if (!user) throw redirect(`/login?next=${encodeURIComponent(new URL(request.url).pathname)}`);
  if (options.verified !== false && !user.emailVerified) throw redirect('/check-email');
  return user;
}
