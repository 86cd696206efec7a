// The catalog's problems: codes from the one catalogue in errors.ts (PROBLEM_CODES, "Catalog"),
// thrown with the field errors or the current version the catalog's clients need.
import { problem, type ProblemCode, type ProblemError } from '../errors.ts';

/** The catalogue's codes; the catalog throws its own section and shared ones such as invalid_cursor. */
export type CatalogProblemCode = ProblemCode;

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
  return problem(code, detail, extensions ? { extensions } : {});
}
