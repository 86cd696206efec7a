// Products from a CSV file: choose a file, see every row with its problems (rows numbered as in the
// file), and only when none remain, import it through the POS API's bulk upsert, 1,000 rows a call.
// The file is parsed and checked on the server at both steps; the browser only carries it.
import {
  data,
  Form,
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from 'react-router';
import {
  BULK_CHUNK,
  columnOfPath,
  decodeCsv,
  IMPORT_LIMITS,
  parseImportCsv,
  rowOfPath,
  type ImportItem,
  type ParsedImport,
  type RowError,
} from '../../catalog-import.ts';
import { CsrfField } from '../../csrf-field.tsx';
import { isPosApiError, posApiMessage, requireStore } from '../../manage.server.ts';
import { formatMoney } from '../../money.ts';
import { can } from '../../rights.ts';
import type { PosApi } from '../../../src/pos/client.ts';
import { useTenant } from './layout.tsx';
import type { Page, Product, SearchHit } from './types.ts';

export const meta = () => [{ title: 'Import products from CSV · CloudPOS' }];

/** Rows shown in the preview; the rest are checked all the same. */
const PREVIEW_ROWS = 50;
/** Rows that may leave the name empty (each is looked up in the catalog as an existing SKU). */
const NAME_LOOKUPS = 200;
/** The whole request: the file, or the checked text sent back, plus the form's few fields. */
const REQUEST_LIMIT = IMPORT_LIMITS.bytes + 64 * 1024;

interface BulkResult {
  items: { index: number; status: 'created' | 'updated' | 'unchanged' }[];
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { tenant } = await requireStore(context, request, params.slug);
  // The limits travel as data: the component must not import the parser's module (csv-parse stays
  // on the server).
  return { canImport: can(tenant.role, 'stores.manage'), limits: IMPORT_LIMITS };
}

type PreviewRow = {
  row: number;
  sku: string;
  name: string;
  variant: string;
  price: number | null;
  taxCategory: string;
};

const answer = (
  status: number,
  body: {
    fileName: string;
    errors: RowError[];
    rows?: PreviewRow[];
    total?: number;
    csv?: string;
    imported?: { created: number; updated: number; unchanged: number };
  },
) => data({ rows: [], total: 0, ...body }, { status });

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api, tenant } = await requireStore(context, request, params.slug);
  const fileError = (status: number, message: string, fileName = '') =>
    answer(status, { fileName, errors: [{ row: null, message }] });
  if (!can(tenant.role, 'stores.manage'))
    return fileError(403, 'Your role cannot change the catalog. Ask an owner of the account.');
  if (Number(request.headers.get('content-length') ?? 0) > REQUEST_LIMIT)
    return fileError(
      413,
      `The file is larger than ${IMPORT_LIMITS.bytes / 1024 / 1024} MB. Split it into smaller files.`,
    );
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return fileError(400, 'The upload could not be read. Choose the file again.');
  }
  const intent = form.get('intent');
  let text: string;
  let fileName: string;
  if (intent === 'import') {
    const sent = form.get('csv');
    const sentName = form.get('fileName');
    fileName = typeof sentName === 'string' ? sentName.slice(0, 200) : '';
    if (typeof sent !== 'string' || sent.length > IMPORT_LIMITS.bytes)
      return fileError(400, 'Choose the file again: the checked copy did not arrive.', fileName);
    text = sent;
  } else {
    const file = form.get('file');
    if (!(file instanceof File) || file.size === 0) return fileError(400, 'Choose a .csv file to check.');
    fileName = file.name.slice(0, 200);
    const decoded =
      file.size > IMPORT_LIMITS.bytes
        ? decodeCsv(new Uint8Array(file.size))
        : decodeCsv(new Uint8Array(await file.arrayBuffer()));
    if (typeof decoded !== 'string') return answer(400, { fileName, errors: [decoded] });
    text = decoded;
  }

  const parsed = parseImportCsv(text, tenant.currency);
  const rows: PreviewRow[] = parsed.rows
    .slice(0, PREVIEW_ROWS)
    .map(({ row, sku, name, variant, price, taxCategory }) => ({
      row,
      sku,
      name,
      variant,
      price,
      taxCategory,
    }));
  const base = { fileName, rows, total: parsed.rows.length };
  if (parsed.errors.length > 0 && parsed.rows.length === 0)
    return answer(400, { ...base, errors: parsed.errors });
  let errors: RowError[];
  try {
    errors = [...parsed.errors, ...(await nameExistingSkus(api, parsed))].sort(
      (a, b) => (a.row ?? 0) - (b.row ?? 0),
    );
  } catch (error) {
    if (!isPosApiError(error)) throw error;
    return fileError(error.status >= 500 ? 503 : error.status, posApiMessage(error), fileName);
  }
  // Checking a file that has problems is a preview like any other (200); importing one is refused.
  if (errors.length > 0)
    return answer(intent === 'import' ? 400 : 200, {
      ...base,
      errors: errors.slice(0, IMPORT_LIMITS.shownErrors),
    });
  if (intent !== 'import') return answer(200, { ...base, errors: [], csv: text });

  const imported = { created: 0, updated: 0, unchanged: 0 };
  for (let start = 0; start < parsed.items.length; start += BULK_CHUNK) {
    try {
      const { data: result } = await api.send<BulkResult>('POST', '/v1/catalog/bulk', {
        items: parsed.items.slice(start, start + BULK_CHUNK),
      });
      for (const item of result.items) imported[item.status] += 1;
    } catch (error) {
      if (!isPosApiError(error)) throw error;
      const rowErrors: RowError[] = error.errors.flatMap(({ path, message }) => {
        const at = rowOfPath(path, parsed.rows, start);
        return at ? [{ row: at.row, message: `Row ${at.row}: ${columnOfPath(path)}: ${message}.` }] : [];
      });
      const done =
        start > 0
          ? ` Rows 2 to ${parsed.rows[start - 1]!.row} were imported; nothing after them. Fix the file and import it again: rows already imported come out unchanged.`
          : ' Nothing was imported.';
      return answer(error.status >= 500 ? 503 : error.status, {
        ...base,
        errors: [
          {
            row: null,
            message: `${rowErrors.length > 0 ? 'The store’s system refused the file.' : posApiMessage(error)}${done}`,
          },
          ...rowErrors,
        ],
        imported,
      });
    }
  }
  return answer(200, { ...base, rows: [], errors: [], imported });
}

/**
 * The bulk endpoint needs every item's product name: a row without one must be a SKU the catalog
 * already has, whose product keeps its name.
 */
async function nameExistingSkus(api: PosApi, parsed: ParsedImport): Promise<RowError[]> {
  const failed = new Set(parsed.errors.map((error) => error.row));
  const missing = parsed.items.flatMap((item, index) =>
    item.product.name === undefined && !failed.has(parsed.rows[index]!.row)
      ? [{ item, row: parsed.rows[index]!.row }]
      : [],
  );
  if (missing.length > NAME_LOOKUPS)
    return [
      {
        row: null,
        message: `${missing.length} rows have no name; at most ${NAME_LOOKUPS} may leave it empty (SKUs already in the catalog). Fill in the name column.`,
      },
    ];
  const names = new Map<string, Promise<string>>();
  const errors: RowError[] = [];
  const lookUp = async ({ item, row }: { item: ImportItem; row: number }) => {
    const { data: hits } = await api.get<Page<SearchHit>>('/v1/catalog/search', {
      q: item.sku,
      limit: 20,
      includeInactive: true,
    });
    const hit = hits.items.find((candidate) => candidate.sku === item.sku);
    if (!hit) {
      errors.push({
        row,
        message: `Row ${row}: name is empty, and SKU ${item.sku} is not in the catalog yet: a new product needs a name.`,
      });
      return;
    }
    let name = names.get(hit.productId);
    if (!name) {
      name = api
        .get<Product>(`/v1/catalog/products/${hit.productId}`)
        .then(({ data: product }) => product.name);
      names.set(hit.productId, name);
    }
    item.product.name = await name;
  };
  // A few at a time: the API's rate limits are per tenant.
  for (let start = 0; start < missing.length; start += 8)
    await Promise.all(missing.slice(start, start + 8).map(lookUp));
  return errors;
}

export default function ImportProducts() {
  const { canImport, limits } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const tenant = useTenant();
  const busy = useNavigation().state !== 'idle';
  const base = `/tenants/${tenant.slug}/manage/products`;
  const fileErrors = result?.errors.filter((error) => error.row === null) ?? [];
  const rowErrors = result?.errors.filter((error) => error.row !== null) ?? [];
  const errorRows = new Set(rowErrors.map((error) => error.row));
  return (
    <section className="card">
      <h1>Import products from CSV</h1>
      {!canImport ? (
        <p>Your role cannot change the catalog. Ask an owner of the account.</p>
      ) : (
        <>
          <p>
            One row per SKU, with a header row naming the columns: <code>sku</code> (required),{' '}
            <code>name</code> (required for new SKUs), <code>variant</code>, <code>barcode</code>,{' '}
            <code>price</code> (in {tenant.currency}, such as 3.50), <code>tax_category</code> (a tax
            category’s code, required for new SKUs) and <code>external_id</code> (rows with the same one
            become variants of one product). Existing SKUs are updated; empty cells leave a value as it is.
          </p>
          <p className="actions">
            <a
              className="button secondary"
              href={`${base}/import/template.csv`}
              download="products-template.csv"
            >
              Download the template
            </a>
          </p>
          <Form method="post" encType="multipart/form-data" key={result?.imported ? 'again' : 'file'}>
            <CsrfField />
            <input type="hidden" name="intent" value="check" />
            <div className="field">
              <label htmlFor="import-file">CSV file</label>
              <input
                id="import-file"
                name="file"
                type="file"
                accept=".csv,text/csv"
                required
                aria-describedby="import-file-hint"
              />
              <p className="hint" id="import-file-hint">
                Up to {limits.bytes / 1024 / 1024} MB and {limits.rows.toLocaleString('en')} rows, saved as
                CSV UTF-8.
              </p>
            </div>
            <button type="submit" disabled={busy}>
              Check file
            </button>
          </Form>
        </>
      )}

      {result && result.errors.length > 0 ? (
        <div className="banner error" role="alert">
          {fileErrors.map((error) => (
            <p key={error.message}>{error.message}</p>
          ))}
          {rowErrors.length > 0 ? (
            <>
              <p>
                {rowErrors.length} row{rowErrors.length === 1 ? '' : 's'} of {result.fileName || 'the file'}{' '}
                need
                {rowErrors.length === 1 ? 's' : ''} fixing before anything is imported:
              </p>
              <ul aria-label="Problems">
                {rowErrors.map((error) => (
                  <li key={error.message}>{error.message}</li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}

      {result?.imported && result.errors.length === 0 ? (
        <div className="banner ok" role="status">
          <p>
            Imported {result.fileName || 'the file'}: {result.imported.created} created,{' '}
            {result.imported.updated} updated, {result.imported.unchanged} unchanged.
          </p>
          <p>
            <Link to={base}>See the products</Link>
          </p>
        </div>
      ) : null}

      {result && result.rows.length > 0 ? (
        <>
          <h2>
            {result.fileName || 'The file'}: {result.total} row{result.total === 1 ? '' : 's'}
          </h2>
          {result.csv !== undefined ? (
            <Form method="post" encType="multipart/form-data">
              <CsrfField />
              <input type="hidden" name="intent" value="import" />
              <input type="hidden" name="fileName" value={result.fileName} />
              <input type="hidden" name="csv" value={result.csv} />
              <p role="status">No problems found. Nothing is imported until you confirm.</p>
              <button type="submit" disabled={busy}>
                Import {result.total} row{result.total === 1 ? '' : 's'}
              </button>
            </Form>
          ) : null}
          <div className="table-scroll" role="region" aria-label="Rows of the file" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">SKU</th>
                  <th scope="col">Name</th>
                  <th scope="col">Variant</th>
                  <th scope="col">Price</th>
                  <th scope="col">Tax category</th>
                </tr>
              </thead>
              <tbody>
                {result.rows.map((row) => (
                  <tr key={row.row} className={errorRows.has(row.row) ? 'invalid' : undefined}>
                    <td>
                      {row.row}
                      {errorRows.has(row.row) ? <span className="tag">problem</span> : null}
                    </td>
                    <td>{row.sku}</td>
                    <td>{row.name}</td>
                    <td>{row.variant}</td>
                    <td>
                      {row.price === null ? '' : formatMoney(row.price, tenant.currency, tenant.locale)}
                    </td>
                    <td>{row.taxCategory}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {result.total > result.rows.length ? (
            <p className="muted">
              The first {result.rows.length} rows are shown; all {result.total} are checked.
            </p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
