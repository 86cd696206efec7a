// The catalog under /v1/catalog: reads for every signed-in staff member, writes with the
// `catalog.write` permission (owners and managers).
//
// Optimistic concurrency: a single resource's GET, POST and PATCH answer with `ETag: "<version>"`
// (a strong ETag: the row's version, which changes whenever the resource's own fields change;
// a product's embedded variants and prices carry their own versions). PATCH and DELETE require
// `If-Match` with that ETag (or `*`): without it 428 `precondition_required`, with a stale one 412
// `version_conflict` (the problem's `currentVersion` says which version is current).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { problemResponses, type ProblemCode } from '../errors.ts';
import { ListOf, onePage } from '../lists.ts';
import { permissionProblems, requirePermission } from '../staff/require-permission.ts';
import { bulkUpsert, MAX_BULK_ITEMS } from './bulk.ts';
import { catalogProblem } from './problems.ts';
import {
  BarcodeParams,
  BarcodeQuerystring,
  BulkBody,
  BulkResultSchema,
  CategoryPatchBody,
  CategorySchema,
  IdParams,
  IfMatchHeaders,
  NewCategoryBody,
  NewPriceBody,
  NewProductBody,
  NewTaxCategoryBody,
  NewTaxRateBody,
  NewVariantBody,
  PricedVariantSchema,
  PricePatchBody,
  PriceSchema,
  ProductListQuerystring,
  ProductPage,
  ProductPatchBody,
  ProductSchema,
  SearchPageSchema,
  SearchQuerystring,
  TaxCategoryPatchBody,
  TaxCategorySchema,
  TaxRatePatchBody,
  TaxRateSchema,
  VariantPatchBody,
  VariantSchema,
} from './schemas.ts';
import { searchCatalog } from './search.ts';
import * as catalog from './service.ts';

const TAG = ['catalog'];
const SIGNED_IN = [{ bearerAuth: [] }];
const NO_CONTENT = { 204: Type.Null({ description: 'Done' }) };
/** Every write: the permission, and a reference the database refuses (translateConstraintErrors). */
const WRITE: ProblemCode[] = [...permissionProblems('catalog.write'), 'unknown_reference'];
/** A change to what the client read: also the version it read (If-Match). */
const CHANGE: ProblemCode[] = [...WRITE, 'version_conflict', 'precondition_required'];
/** What makes a new variant or price collide with an existing one. */
const VARIANT_UNIQUES: ProblemCode[] = ['sku_taken', 'barcode_taken', 'price_exists'];

/** The version an If-Match header names: `"3"` (or `3`), or `*` for any. */
export function expectedVersion(header: string | undefined): catalog.ExpectedVersion {
  const value = header?.trim();
  if (!value) throw catalogProblem('precondition_required', 'send If-Match with the ETag of what you read');
  if (value === '*') return '*';
  const match = /^"?(\d{1,9})"?$/.exec(value);
  if (!match) {
    // Weak ETags (W/"3") never match If-Match (RFC 9110 strong comparison), and lists are not used here.
    throw catalogProblem('version_conflict', `If-Match ${value} is not an ETag of this API (e.g. "3")`);
  }
  return Number(match[1]);
}

function sendVersioned<T extends { version: number }>(reply: FastifyReply, status: number, body: T) {
  return reply.code(status).header('etag', `"${body.version}"`).send(body);
}

const write = (type: string) =>
  requirePermission('catalog.write', {
    target: (request: FastifyRequest) => {
      const id = (request.params as { id?: string } | undefined)?.id;
      return id ? { type, id } : undefined;
    },
  });

export async function catalogRoutes(parent: FastifyInstance) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  // -- Tax rates --------------------------------------------------------------------------------------
  app.get(
    '/catalog/tax-rates',
    {
      schema: {
        tags: TAG,
        summary: 'List tax rates',
        security: SIGNED_IN,
        response: { 200: ListOf(TaxRateSchema), ...problemResponses() },
      },
    },
    async (request) => onePage(await catalog.listTaxRates(request.ctx)),
  );

  app.post(
    '/catalog/tax-rates',
    {
      schema: {
        tags: TAG,
        summary: 'Create a tax rate',
        security: SIGNED_IN,
        body: NewTaxRateBody,
        response: { 201: TaxRateSchema, ...problemResponses(...WRITE, 'tax_rate_code_taken') },
      },
      preHandler: write('tax_rate'),
    },
    async (request, reply) =>
      sendVersioned(reply, 201, await catalog.createTaxRate(request.ctx, request.body)),
  );

  app.get(
    '/catalog/tax-rates/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A tax rate (ETag: its version)',
        security: SIGNED_IN,
        params: IdParams,
        response: { 200: TaxRateSchema, ...problemResponses('tax_rate_not_found') },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, 200, await catalog.getTaxRate(request.ctx, request.params.id)),
  );

  app.patch(
    '/catalog/tax-rates/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Change a tax rate (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        body: TaxRatePatchBody,
        response: {
          200: TaxRateSchema,
          ...problemResponses(...CHANGE, 'tax_rate_not_found', 'tax_rate_code_taken'),
        },
      },
      preHandler: write('tax_rate'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(
        reply,
        200,
        await catalog.updateTaxRate(request.ctx, request.params.id, expected, request.body),
      );
    },
  );

  app.delete(
    '/catalog/tax-rates/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Delete a tax rate no tax category applies (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        response: { ...NO_CONTENT, ...problemResponses(...CHANGE, 'tax_rate_not_found', 'tax_rate_in_use') },
      },
      preHandler: write('tax_rate'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      await catalog.deleteTaxRate(request.ctx, request.params.id, expected);
      return reply.code(204).send(null);
    },
  );

  // -- Tax categories ---------------------------------------------------------------------------------
  app.get(
    '/catalog/tax-categories',
    {
      schema: {
        tags: TAG,
        summary: 'List tax categories',
        security: SIGNED_IN,
        response: { 200: ListOf(TaxCategorySchema), ...problemResponses() },
      },
    },
    async (request) => onePage(await catalog.listTaxCategories(request.ctx)),
  );

  app.post(
    '/catalog/tax-categories',
    {
      schema: {
        tags: TAG,
        summary: 'Create a tax category from tax rates',
        security: SIGNED_IN,
        body: NewTaxCategoryBody,
        response: {
          201: TaxCategorySchema,
          ...problemResponses(...WRITE, 'tax_category_code_taken', 'conflicting_input'),
        },
      },
      preHandler: write('tax_category'),
    },
    async (request, reply) =>
      sendVersioned(reply, 201, await catalog.createTaxCategory(request.ctx, request.body)),
  );

  app.get(
    '/catalog/tax-categories/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A tax category (ETag: its version)',
        security: SIGNED_IN,
        params: IdParams,
        response: { 200: TaxCategorySchema, ...problemResponses('tax_category_not_found') },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, 200, await catalog.getTaxCategory(request.ctx, request.params.id)),
  );

  app.patch(
    '/catalog/tax-categories/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Change a tax category (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        body: TaxCategoryPatchBody,
        response: {
          200: TaxCategorySchema,
          ...problemResponses(
            ...CHANGE,
            'tax_category_not_found',
            'tax_category_code_taken',
            'conflicting_input',
          ),
        },
      },
      preHandler: write('tax_category'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(
        reply,
        200,
        await catalog.updateTaxCategory(request.ctx, request.params.id, expected, request.body),
      );
    },
  );

  app.delete(
    '/catalog/tax-categories/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Delete a tax category no product uses (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        response: {
          ...NO_CONTENT,
          ...problemResponses(...CHANGE, 'tax_category_not_found', 'tax_category_in_use'),
        },
      },
      preHandler: write('tax_category'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      await catalog.deleteTaxCategory(request.ctx, request.params.id, expected);
      return reply.code(204).send(null);
    },
  );

  // -- Categories -------------------------------------------------------------------------------------
  app.get(
    '/catalog/categories',
    {
      schema: {
        tags: TAG,
        summary: 'List categories (a flat list with parentId)',
        security: SIGNED_IN,
        response: { 200: ListOf(CategorySchema), ...problemResponses() },
      },
    },
    async (request) => onePage(await catalog.listCategories(request.ctx)),
  );

  app.post(
    '/catalog/categories',
    {
      schema: {
        tags: TAG,
        summary: 'Create a category',
        security: SIGNED_IN,
        body: NewCategoryBody,
        response: { 201: CategorySchema, ...problemResponses(...WRITE) },
      },
      preHandler: write('category'),
    },
    async (request, reply) =>
      sendVersioned(reply, 201, await catalog.createCategory(request.ctx, request.body)),
  );

  app.get(
    '/catalog/categories/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A category (ETag: its version)',
        security: SIGNED_IN,
        params: IdParams,
        response: { 200: CategorySchema, ...problemResponses('category_not_found') },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, 200, await catalog.getCategory(request.ctx, request.params.id)),
  );

  app.patch(
    '/catalog/categories/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Rename, move or reorder a category (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        body: CategoryPatchBody,
        response: {
          200: CategorySchema,
          ...problemResponses(...CHANGE, 'category_not_found', 'category_cycle'),
        },
      },
      preHandler: write('category'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(
        reply,
        200,
        await catalog.updateCategory(request.ctx, request.params.id, expected, request.body),
      );
    },
  );

  app.delete(
    '/catalog/categories/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Delete a category without subcategories; its products keep no category (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        response: {
          ...NO_CONTENT,
          ...problemResponses(...CHANGE, 'category_not_found', 'category_has_children'),
        },
      },
      preHandler: write('category'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      await catalog.deleteCategory(request.ctx, request.params.id, expected);
      return reply.code(204).send(null);
    },
  );

  // -- Products ---------------------------------------------------------------------------------------
  app.get(
    '/catalog/products',
    {
      schema: {
        tags: TAG,
        summary: 'List products with their variants and prices, by name, a page at a time',
        security: SIGNED_IN,
        querystring: ProductListQuerystring,
        response: { 200: ProductPage, ...problemResponses('invalid_cursor') },
      },
    },
    async (request) => catalog.listProducts(request.ctx, request.query),
  );

  app.post(
    '/catalog/products',
    {
      schema: {
        tags: TAG,
        summary: 'Create a product with its variants and their prices',
        security: SIGNED_IN,
        body: NewProductBody,
        response: {
          201: ProductSchema,
          ...problemResponses(...WRITE, ...VARIANT_UNIQUES, 'external_id_taken', 'conflicting_input'),
        },
      },
      preHandler: write('product'),
    },
    async (request, reply) =>
      sendVersioned(reply, 201, await catalog.createProduct(request.ctx, request.body)),
  );

  app.get(
    '/catalog/products/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A product with its variants and prices (ETag: the product version)',
        security: SIGNED_IN,
        params: IdParams,
        response: { 200: ProductSchema, ...problemResponses('product_not_found') },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, 200, await catalog.getProduct(request.ctx, request.params.id)),
  );

  app.patch(
    '/catalog/products/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Change a product, or deactivate it with active: false (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        body: ProductPatchBody,
        response: {
          200: ProductSchema,
          ...problemResponses(...CHANGE, 'product_not_found', 'external_id_taken'),
        },
      },
      preHandler: write('product'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(
        reply,
        200,
        await catalog.updateProduct(request.ctx, request.params.id, expected, request.body),
      );
    },
  );

  app.delete(
    '/catalog/products/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Delete a product that was never sold (409 product_sold: deactivate it instead)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        response: { ...NO_CONTENT, ...problemResponses(...CHANGE, 'product_not_found', 'product_sold') },
      },
      preHandler: write('product'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      await catalog.deleteProduct(request.ctx, request.params.id, expected);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/catalog/products/:id/variants',
    {
      schema: {
        tags: TAG,
        summary: 'Add a variant (with prices) to a product',
        security: SIGNED_IN,
        params: IdParams,
        body: NewVariantBody,
        response: {
          201: VariantSchema,
          ...problemResponses(...WRITE, ...VARIANT_UNIQUES, 'product_not_found', 'conflicting_input'),
        },
      },
      preHandler: write('product'),
    },
    async (request, reply) =>
      sendVersioned(reply, 201, await catalog.addVariant(request.ctx, request.params.id, request.body)),
  );

  // -- Variants ---------------------------------------------------------------------------------------
  app.get(
    '/catalog/variants/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A variant with its prices (ETag: its version)',
        security: SIGNED_IN,
        params: IdParams,
        response: { 200: VariantSchema, ...problemResponses('variant_not_found') },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, 200, await catalog.getVariant(request.ctx, request.params.id)),
  );

  app.patch(
    '/catalog/variants/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Change a variant: name, SKU, barcode, stock tracking, active (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        body: VariantPatchBody,
        response: {
          200: VariantSchema,
          ...problemResponses(...CHANGE, 'variant_not_found', 'sku_taken', 'barcode_taken'),
        },
      },
      preHandler: write('variant'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(
        reply,
        200,
        await catalog.updateVariant(request.ctx, request.params.id, expected, request.body),
      );
    },
  );

  app.delete(
    '/catalog/variants/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Delete a never-sold variant that is not its product’s last (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        response: {
          ...NO_CONTENT,
          ...problemResponses(...CHANGE, 'variant_not_found', 'last_variant', 'variant_sold'),
        },
      },
      preHandler: write('variant'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      await catalog.deleteVariant(request.ctx, request.params.id, expected);
      return reply.code(204).send(null);
    },
  );

  // -- Prices -----------------------------------------------------------------------------------------
  app.post(
    '/catalog/variants/:id/prices',
    {
      schema: {
        tags: TAG,
        summary: "Add a variant's price for a currency, for all stores or one store",
        security: SIGNED_IN,
        params: IdParams,
        body: NewPriceBody,
        response: {
          201: PriceSchema,
          ...problemResponses(...WRITE, 'variant_not_found', 'price_exists', 'conflicting_input'),
        },
      },
      preHandler: write('variant'),
    },
    async (request, reply) =>
      sendVersioned(reply, 201, await catalog.createPrice(request.ctx, request.params.id, request.body)),
  );

  app.get(
    '/catalog/prices/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A price (ETag: its version)',
        security: SIGNED_IN,
        params: IdParams,
        response: { 200: PriceSchema, ...problemResponses('price_not_found') },
      },
    },
    async (request, reply) =>
      sendVersioned(reply, 200, await catalog.getPrice(request.ctx, request.params.id)),
  );

  app.patch(
    '/catalog/prices/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Change the amount of a price (If-Match required)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        body: PricePatchBody,
        response: { 200: PriceSchema, ...problemResponses(...CHANGE, 'price_not_found') },
      },
      preHandler: write('price'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(
        reply,
        200,
        await catalog.updatePrice(request.ctx, request.params.id, expected, request.body),
      );
    },
  );

  app.delete(
    '/catalog/prices/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Delete a price (a store price: the store falls back to the all-stores price)',
        security: SIGNED_IN,
        params: IdParams,
        headers: IfMatchHeaders,
        response: { ...NO_CONTENT, ...problemResponses(...CHANGE, 'price_not_found') },
      },
      preHandler: write('price'),
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      await catalog.deletePrice(request.ctx, request.params.id, expected);
      return reply.code(204).send(null);
    },
  );

  // -- Search and scanning ----------------------------------------------------------------------------
  app.get(
    '/catalog/search',
    {
      schema: {
        tags: TAG,
        summary: 'Search by exact barcode, exact SKU, SKU prefix and name words (prefixes)',
        description:
          'Exact barcode and SKU matches come first on the first page, then the other matches by name ' +
          '(case- and accent-insensitive), paged with `cursor` = the previous page’s `next`. Prices are ' +
          "those of `storeId`, else of the signed-in till's store, else the all-stores prices.",
        security: SIGNED_IN,
        querystring: SearchQuerystring,
        response: { 200: SearchPageSchema, ...problemResponses('invalid_cursor', 'store_not_found') },
      },
    },
    async (request) => {
      const { q, limit, cursor, storeId, includeInactive } = request.query;
      return searchCatalog(request.ctx, {
        q,
        limit,
        includeInactive,
        ...(cursor === undefined ? {} : { cursor }),
        ...(storeId === undefined ? {} : { storeId }),
      });
    },
  );

  app.get(
    '/catalog/barcodes/:code',
    {
      schema: {
        tags: TAG,
        summary:
          'The variant with this barcode, priced for the till’s store (or storeId), with its tax rates',
        security: SIGNED_IN,
        params: BarcodeParams,
        querystring: BarcodeQuerystring,
        response: { 200: PricedVariantSchema, ...problemResponses('barcode_not_found', 'store_not_found') },
      },
    },
    async (request) => {
      const { storeId } = request.query;
      return catalog.lookupBarcode(
        request.ctx,
        request.params.code,
        storeId === undefined ? {} : { storeId },
      );
    },
  );

  // -- Bulk -------------------------------------------------------------------------------------------
  app.post(
    '/catalog/bulk',
    {
      // 1,000 items with prices and descriptions outgrow the API's default 1 MiB.
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: TAG,
        summary: `Upsert up to ${MAX_BULK_ITEMS} variants by SKU with their products and prices, all or nothing`,
        description:
          'Each item is a variant keyed by SKU: an existing SKU is updated (fields the item gives), a new ' +
          'one joins the product with its `product.externalId` (or gets a product of its own). Prices are ' +
          'upserted by currency and store. Item problems answer 422 `bulk_invalid` with `errors[].path` ' +
          `such as /items/3/sku; more than ${MAX_BULK_ITEMS} items answer 413 \`batch_too_large\`.`,
        security: SIGNED_IN,
        body: BulkBody,
        response: {
          200: BulkResultSchema,
          ...problemResponses(
            ...WRITE,
            ...VARIANT_UNIQUES,
            'external_id_taken',
            'batch_too_large',
            'bulk_invalid',
          ),
        },
      },
      // Before validation, so that an oversized batch gets its own code rather than a schema error.
      preValidation: async (request) => {
        const items = (request.body as { items?: unknown } | undefined)?.items;
        if (Array.isArray(items) && items.length > MAX_BULK_ITEMS) {
          throw catalogProblem(
            'batch_too_large',
            `${items.length} items; at most ${MAX_BULK_ITEMS} per call`,
          );
        }
      },
      preHandler: write('catalog'),
    },
    async (request) => bulkUpsert(request.ctx, request.body.items),
  );
}
