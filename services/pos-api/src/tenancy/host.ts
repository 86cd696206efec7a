// Which tenant a host name names: `<slug>.localhost` (local mode: loopback in browsers) or
// `<slug>.<BASE_DOMAIN>` (the tenant's Ingress). Any other host (an IP, a cluster service name)
// names no tenant.
export function tenantSlugFromHost(host: string | undefined, baseDomain?: string): string | undefined {
  if (!host) return undefined;
  const name = stripPort(host.trim().toLowerCase()).replace(/\.$/, '');
  for (const suffix of ['localhost', ...(baseDomain ? [baseDomain.toLowerCase()] : [])]) {
    if (!name.endsWith(`.${suffix}`)) continue;
    const label = name.slice(0, -suffix.length - 1);
    // Only a single label directly under the suffix is a tenant; a.b.<suffix> is nobody.
    return label.includes('.') || label === '' ? undefined : label;
  }
  return undefined;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
