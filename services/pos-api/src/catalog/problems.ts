// The catalog's stable problem codes (RFC 9457 `code`), with their HTTP status and title. Clients
// switch on `code`; the detail names the field or the conflicting value. Kept with the domain until
// they join PROBLEM_CODES in errors.ts.
import { ProblemError } from '../errors.ts';

export const CATALOG_PROBLEM_CODES = {
  // Optimistic concurrency (ETag / If-Match)
  precondition_required: [428, 'The request must carry If-Match with the ETag of the version it changes'],
  version_conflict: [412, 'The resource changed since that version was read: read it again'],
  // Not found
  tax_rate_not_found: [404, 'No such tax rate'],
  tax_category_not_found: [404, 'No such tax category'],
  category_not_found: [404, 'No such category'],
  product_not_found: [404, 'No such product'],
  variant_not_found: [404, 'No such variant'],
  price_not_found: [404, 'No such price'],
  barcode_not_found: [404, 'No variant has this barcode'],
  // A body names something that does not exist (errors[] says where)
  unknown_reference: [422, 'The request refers to something that does not exist'],
  conflicting_input: [422, 'The request gives the same SKU, barcode, external id or price twice'],
  // Uniqueness
  tax_rate_code_taken: [409, 'Another tax rate has this code'],
  tax_category_code_taken: [409, 'Another tax category has this code'],
  sku_taken: [409, 'Another variant has this SKU'],
  barcode_taken: [409, 'Another variant has this barcode'],
  external_id_taken: [409, 'Another product has this external id'],
  price_exists: [409, 'The variant already has a price for this currency and store'],
  // Deletion and structure
  tax_rate_in_use: [409, 'Tax categories use this tax rate: remove it from them or deactivate it'],
  tax_category_in_use: [409, 'Products use this tax category'],
  category_has_children: [409, 'The category has subcategories'],
  category_cycle: [409, 'A category cannot be inside itself'],
  product_sold: [409, 'The product was sold or has stock history: deactivate it instead (active: false)'],
  variant_sold: [409, 'The variant was sold or has stock history: deactivate it instead (active: false)'],
  last_variant: [409, 'A product keeps at least one variant: delete the product instead'],
  // Search, pages, bulk
  invalid_cursor: [400, 'The page cursor is not valid'],
  batch_too_large: [413, 'Too many items in one bulk call'],
  bulk_invalid: [422, 'Items of the bulk call are not valid: nothing was written'],
} as const satisfies Record<string, readonly [number, string]>;

export type CatalogProblemCode = keyof typeof CATALOG_PROBLEM_CODES;

export interface FieldError {
  /** JSON pointer into the request body, e.g. `/items/3/sku`. */
  path: string;
  message: string;
}

/**
 * `throw catalogProblem('sku_taken', 'SKU LATTE-S is taken')`; extension members such as `errors`
 * (field problems) or `currentVersion` travel in the problem body.
 */
export function catalogProblem(
  code: CatalogProblemCode,
  detail?: string,
  extensions?: { errors?: FieldError[]; [member: string]: unknown },
): ProblemError {
  const [status, title] = CATALOG_PROBLEM_CODES[code];
  return new ProblemError(status, code, title, detail, extensions ? { extensions } : {});
}
