// TypeBox schemas of the catalog routes: requests are validated with them, responses serialized with
// them (nothing outside a schema leaves the API).
import { Type } from 'typebox';
import { ListOf } from '../lists.ts';
import { MAX_BULK_ITEMS } from './bulk.ts';

export const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const Code = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$',
  description: 'Short code, unique per tenant (e.g. VAT19, FOOD)',
});
const Name = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Sku = Type.String({ pattern: '^[^\\s]{1,64}$', description: 'Unique per tenant; no spaces' });
const Barcode = Type.String({
  pattern: '^[^\\s]{1,64}$',
  description: 'EAN/UPC or any code a scanner reads',
});
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' });
const Amount = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'Minor units (cents) of the currency',
});
const Rate = Type.String({
  pattern: '^(0|[1-9][0-9]{0,2})(\\.[0-9]{1,6})?$',
  description: 'Percent as decimal text, up to 6 decimals: "19", "8.875"',
});
const Version = Type.Integer({ minimum: 1, description: 'Also the ETag: "<version>"' });
const ExternalId = Type.String({ minLength: 1, maxLength: 100 });
const Description = Type.String({ maxLength: 5000 });

export const IdParams = Type.Object({ id: Uuid });
export const BarcodeParams = Type.Object({ code: Barcode });

/** Writes to an existing resource send the ETag they read. Missing: 428; stale: 412. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.String({
    description:
      'The ETag of the version the change is based on, e.g. "3" (or * for any). Missing: 428 precondition_required; ' +
      'another version: 412 version_conflict.',
  }),
});

// ---------------------------------------------------------------------------------------------------
// Tax rates and categories

export const TaxRateSchema = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  rate: Type.String({ description: 'Percent as decimal text without trailing zeros' }),
  inclusive: Type.Boolean({ description: 'Contained in prices (VAT) rather than added on top (sales tax)' }),
  active: Type.Boolean(),
  version: Version,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const NewTaxRateBody = Type.Object(
  {
    code: Code,
    name: Name(100),
    rate: Rate,
    inclusive: Type.Boolean(),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const TaxRatePatchBody = Type.Object(
  {
    code: Type.Optional(Code),
    name: Type.Optional(Name(100)),
    rate: Type.Optional(Rate),
    inclusive: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const TaxCategorySchema = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  taxRateIds: Type.Array(Uuid, { description: 'Applied together, in this order' }),
  version: Version,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const TaxRateIds = Type.Array(Uuid, { maxItems: 10, description: 'Empty for tax-exempt goods' });

export const NewTaxCategoryBody = Type.Object(
  { code: Code, name: Name(100), taxRateIds: TaxRateIds },
  { additionalProperties: false },
);

export const TaxCategoryPatchBody = Type.Object(
  { code: Type.Optional(Code), name: Type.Optional(Name(100)), taxRateIds: Type.Optional(TaxRateIds) },
  { additionalProperties: false, minProperties: 1 },
);

// ---------------------------------------------------------------------------------------------------
// Categories

export const CategorySchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  parentId: Nullable(Uuid),
  position: Type.Integer(),
  version: Version,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Position = Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 });

export const NewCategoryBody = Type.Object(
  { name: Name(100), parentId: Type.Optional(Nullable(Uuid)), position: Type.Optional(Position) },
  { additionalProperties: false },
);

export const CategoryPatchBody = Type.Object(
  {
    name: Type.Optional(Name(100)),
    parentId: Type.Optional(Nullable(Uuid)),
    position: Type.Optional(Position),
  },
  { additionalProperties: false, minProperties: 1 },
);

// ---------------------------------------------------------------------------------------------------
// Products, variants, prices

export const PriceSchema = Type.Object({
  id: Uuid,
  variantId: Uuid,
  currency: Type.String(),
  storeId: Type.Union([Uuid, Type.Null()], { description: 'null: every store without its own price' }),
  amount: Type.Integer(),
  version: Version,
  updatedAt: Timestamp,
});

export const NewPriceBody = Type.Object(
  {
    currency: Type.Optional(Currency),
    storeId: Type.Optional(Nullable(Uuid)),
    amount: Amount,
  },
  {
    additionalProperties: false,
    description:
      'A price for all stores (storeId absent or null) or one store (overrides the all-stores price there); ' +
      "the currency defaults to the store's, else the tenant's",
  },
);

export const PricePatchBody = Type.Object({ amount: Amount }, { additionalProperties: false });

export const VariantSchema = Type.Object({
  id: Uuid,
  productId: Uuid,
  name: Type.String(),
  sku: Type.String(),
  barcode: Nullable(Type.String()),
  trackStock: Type.Boolean(),
  active: Type.Boolean(),
  version: Version,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  prices: Type.Array(PriceSchema),
});

const VariantName = Type.String({ maxLength: 100, description: "Empty for a product's only variant" });

export const NewVariantBody = Type.Object(
  {
    name: Type.Optional(VariantName),
    sku: Sku,
    barcode: Type.Optional(Nullable(Barcode)),
    trackStock: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
    prices: Type.Optional(Type.Array(NewPriceBody, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const VariantPatchBody = Type.Object(
  {
    name: Type.Optional(VariantName),
    sku: Type.Optional(Sku),
    barcode: Type.Optional(Nullable(Barcode)),
    trackStock: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ProductSchema = Type.Object({
  id: Uuid,
  externalId: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  categoryId: Nullable(Uuid),
  taxCategoryId: Uuid,
  active: Type.Boolean(),
  version: Version,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  variants: Type.Array(VariantSchema),
});

export const NewProductBody = Type.Object(
  {
    externalId: Type.Optional(Nullable(ExternalId)),
    name: Name(200),
    description: Type.Optional(Nullable(Description)),
    categoryId: Type.Optional(Nullable(Uuid)),
    taxCategoryId: Uuid,
    active: Type.Optional(Type.Boolean()),
    variants: Type.Array(NewVariantBody, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);

export const ProductPatchBody = Type.Object(
  {
    externalId: Type.Optional(Nullable(ExternalId)),
    name: Type.Optional(Name(200)),
    description: Type.Optional(Nullable(Description)),
    categoryId: Type.Optional(Nullable(Uuid)),
    taxCategoryId: Type.Optional(Uuid),
    active: Type.Optional(Type.Boolean({ description: 'false hides it from search and checkout' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

const Limit = (fallback: number) => Type.Integer({ minimum: 1, maximum: 100, default: fallback });
const Cursor = Type.String({ minLength: 1, maxLength: 1000, description: '`next` of the previous page' });

export const ProductListQuerystring = Type.Object(
  {
    limit: Limit(50),
    cursor: Type.Optional(Cursor),
    categoryId: Type.Optional(Uuid),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ProductPage = ListOf(ProductSchema);

// ---------------------------------------------------------------------------------------------------
// Search, barcode lookup

const StoreId = Type.Optional(
  Type.String({
    format: 'uuid',
    description: "Prices of this store; the signed-in till's store when absent",
  }),
);

export const SearchQuerystring = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 100, description: 'Barcode, SKU, SKU prefix or name words' }),
    limit: Limit(20),
    cursor: Type.Optional(Cursor),
    storeId: StoreId,
    includeInactive: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const SearchHitSchema = Type.Object({
  variantId: Uuid,
  productId: Uuid,
  sku: Type.String(),
  barcode: Nullable(Type.String()),
  name: Type.String({ description: 'Product name, then the variant name' }),
  productName: Type.String(),
  variantName: Type.String(),
  active: Type.Boolean(),
  match: Type.Enum(['barcode', 'sku', 'sku_prefix', 'name']),
  unitPrice: Nullable(Type.Integer()),
  currency: Type.String(),
  storeId: Type.Union([Uuid, Type.Null()], {
    description: 'The store whose prices these are; null: the all-stores prices',
  }),
});

export const SearchPageSchema = ListOf(SearchHitSchema);

export const BarcodeQuerystring = Type.Object({ storeId: StoreId }, { additionalProperties: false });

export const PricedVariantSchema = Type.Object({
  variantId: Uuid,
  productId: Uuid,
  sku: Type.String(),
  barcode: Nullable(Type.String()),
  name: Type.String(),
  active: Type.Boolean(),
  trackStock: Type.Boolean(),
  currency: Type.String(),
  unitPrice: Nullable(Type.Integer({ description: 'Minor units; null: no price in this currency' })),
  priceSource: Nullable(Type.Enum(['store', 'all_stores'])),
  taxCategoryId: Uuid,
  taxRates: Type.Array(
    Type.Object({
      id: Uuid,
      code: Type.String(),
      name: Type.String(),
      rate: Type.String(),
      inclusive: Type.Boolean(),
    }),
  ),
});

// ---------------------------------------------------------------------------------------------------
// Bulk upsert

const BulkPrice = Type.Object(
  { currency: Type.Optional(Currency), storeId: Type.Optional(Nullable(Uuid)), amount: Amount },
  { additionalProperties: false },
);

export const BulkItemSchema = Type.Object(
  {
    sku: Sku,
    name: Type.Optional(VariantName),
    barcode: Type.Optional(Nullable(Barcode)),
    trackStock: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
    prices: Type.Optional(Type.Array(BulkPrice, { maxItems: 50 })),
    product: Type.Object(
      {
        externalId: Type.Optional(ExternalId),
        name: Name(200),
        description: Type.Optional(Nullable(Description)),
        categoryId: Type.Optional(Nullable(Uuid)),
        taxCategoryId: Type.Optional(Uuid),
        taxCategoryCode: Type.Optional(Code),
        active: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const BulkBody = Type.Object(
  { items: Type.Array(BulkItemSchema, { maxItems: MAX_BULK_ITEMS }) },
  { additionalProperties: false },
);

const Counts = Type.Object({ products: Type.Integer(), variants: Type.Integer(), prices: Type.Integer() });

export const BulkResultSchema = Type.Object({
  created: Counts,
  updated: Counts,
  items: Type.Array(
    Type.Object({
      index: Type.Integer(),
      sku: Type.String(),
      variantId: Uuid,
      productId: Uuid,
      status: Type.Enum(['created', 'updated', 'unchanged']),
    }),
  ),
});
