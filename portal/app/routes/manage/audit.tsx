// The tenant's audit log, newest first, a page at a time; entries made through the portal name the
// portal user (ADR 0015).
import { Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney, utcMinute } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { AuditEntry, Page } from './types.ts';

export const meta = () => [{ title: 'Audit log · CloudPOS' }];

const PAGE_SIZE = 50;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api, user } = await requireStore(context, request, params.slug);
  const before = new URL(request.url).searchParams.get('before') ?? '';
  try {
    const { data } = await api.get<Page<AuditEntry>>('/v1/audit', {
      limit: PAGE_SIZE,
      before: /^\d{1,19}$/.test(before) ? before : undefined,
    });
    return { entries: data.items, next: data.next, paged: before !== '', me: user.id };
  } catch (error) {
    return loaderError(error);
  }
}

export default function Audit() {
  const { entries, next, paged, me } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const base = `/tenants/${tenant.slug}/manage/audit`;
  const actor = (entry: AuditEntry) =>
    entry.actorPortalUserId
      ? `${entry.actorPortalUserId === me ? 'you' : 'a portal user'} (${entry.actorRole}, portal)`
      : entry.actorStaffId
        ? `staff ${entry.actorStaffId.slice(0, 8)} (${entry.actorRole})`
        : 'system';
  return (
    <section className="card">
      <h1>Audit log</h1>
      {entries.length === 0 ? <p>Nothing recorded yet.</p> : null}
      <ul className="rows" aria-label="Audit entries">
        {entries.map((entry) => (
          <li key={entry.id} className="row">
            <div>
              <strong>{entry.action}</strong> <span className="tag">{entry.outcome}</span>{' '}
              <span className="muted">by {actor(entry)}</span>
              {entry.amount !== null ? ` · ${formatMoney(entry.amount, tenant.currency, tenant.locale)}` : ''}
            </div>
            <div className="muted">
              <time dateTime={entry.at}>{utcMinute(entry.at)}</time>
            </div>
          </li>
        ))}
      </ul>
      <nav aria-label="Pages" className="actions">
        {paged ? (
          <Link className="button secondary" to={base}>
            Newest
          </Link>
        ) : null}
        {next ? (
          <Link className="button secondary" to={`${base}?before=${next}`}>
            Older entries
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
