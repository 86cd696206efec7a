// One sale: its totals and its receipt as the API renders it (text, as printed).
import { data, Link, useLoaderData, type LoaderFunctionArgs } from 'react-router';
import { isUuid } from '../../forms.ts';
import { loaderError, requireStore } from '../../manage.server.ts';
import { formatMoney } from '../../money.ts';
import { useTenant } from './layout.tsx';
import type { SaleSummary } from './types.ts';

export const meta = () => [{ title: 'Receipt · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  if (!isUuid(params.id)) throw data('No such sale.', { status: 404 });
  try {
    const sale = await api.get<SaleSummary & { taxTotal: number }>(`/v1/sales/${params.id}`);
    const receipt = await api
      .text(`/v1/sales/${params.id}/receipt`, { format: 'text' })
      .catch((error: unknown) => {
        // A parked sale has no receipt yet.
        if ((error as { code?: string }).code === 'sale_has_no_receipt') return null;
        throw error;
      });
    return { sale: sale.data, receipt };
  } catch (error) {
    return loaderError(error);
  }
}

export default function Sale() {
  const { sale, receipt } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  return (
    <section className="card">
      <h1>Receipt {sale.receiptNumber ?? ''}</h1>
      <p>
        Total <strong>{formatMoney(sale.total, sale.currency, tenant.locale)}</strong>, of which tax{' '}
        {formatMoney(sale.taxTotal, sale.currency, tenant.locale)}
      </p>
      {receipt ? (
        <>
          <h2>As printed</h2>
          <pre className="receipt" tabIndex={0}>
            {receipt}
          </pre>
        </>
      ) : (
        <p>This sale is parked: it has no receipt yet.</p>
      )}
      <p>
        <Link to={`/tenants/${tenant.slug}/manage/sales`}>Back to sales</Link>
      </p>
    </section>
  );
}
