import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A tenant-wide setting (tax rounding mode, receipt footer, ...) as a JSON value under a key. */
export const Setting = defineEntity({
  name: 'Setting',
  tableName: 'setting',
  schema: '*',
  properties: {
    key: p.string().length(100).primary(),
    value: p.json<unknown>(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export type Setting = InferEntity<typeof Setting>;
