// The CSV template of the product import: its header and two example rows, prices written in the
// tenant's currency.
import type { LoaderFunctionArgs } from 'react-router';
import { templateCsv } from '../../catalog-import.ts';
import { requireStore } from '../../manage.server.ts';

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { tenant } = await requireStore(context, request, params.slug);
  return new Response(`${templateCsv(tenant.currency)}\r\n`, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="products-template.csv"',
      'cache-control': 'no-store',
    },
  });
}
