// TypeBox schemas of the stores routes.
import { Type } from 'typebox';
import { ListOf } from '../lists.ts';

const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });

const StoreCode = Type.String({
  pattern: '^[A-Z0-9][A-Z0-9_-]{0,15}$',
  description: 'Short code printed in receipt numbers (MAIN, BERLIN-1); unique per tenant, never changed',
});
const StoreName = Type.String({ minLength: 1, maxLength: 200 });
const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'IANA time zone, e.g. Europe/Berlin',
});

export const StoreSchema = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  currency: Type.String({ description: 'ISO 4217' }),
  closedAt: Type.Union([Timestamp, Type.Null()], { description: 'Set when the store was closed' }),
  version: Type.Integer({ description: 'Also the ETag: "<version>"' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** Stores come in one page (`next: null`). */
export const StoreListSchema = ListOf(StoreSchema);

export const StoreListQuery = Type.Object({
  includeClosed: Type.Optional(Type.Boolean({ default: false })),
});

export const NewStoreBody = Type.Object(
  {
    code: StoreCode,
    name: StoreName,
    timezone: Type.Optional(TimeZone),
    currency: Type.Optional(
      Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217; the tenant’s by default' }),
    ),
  },
  { additionalProperties: false },
);

export const StorePatchBody = Type.Object(
  { name: Type.Optional(StoreName), timezone: Type.Optional(TimeZone) },
  { additionalProperties: false, minProperties: 1 },
);

export const StoreIdParams = Type.Object({ id: Uuid });
