// The catalog's public face for other domains (checkout, inventory): resolve variants with their
// price and tax rates in a store, and the catalog's events. Routes register through `catalogRoutes`.
export {
  lookupBarcode,
  priceVariants,
  MAX_PRICED_VARIANTS,
  type PricedVariant,
  type PricedVariants,
  type PriceVariantsQuery,
  type VariantKeys,
  type VariantTaxRate,
} from './service.ts';
export type { StoreScope } from './sql.ts';
export { catalogRoutes, expectedVersion } from './routes.ts';
export { IfMatchHeaders } from './schemas.ts';
export type { ExpectedVersion } from './service.ts';
export type { CatalogProblemCode } from './problems.ts';
export { catalogSubject, CATALOG_ENTITIES, type CatalogEntity, type CatalogEventPayload } from './events.ts';
