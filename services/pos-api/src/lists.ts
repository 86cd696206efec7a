// One list envelope for every list the API answers: `{ items, next }`. `next` is the cursor of the
// following page (pass it as `cursor`), null on the last page; a list that comes in one page answers
// `next: null`, so a client pages every list the same way and a list can grow pages later.
import { Type, type TSchema } from 'typebox';

export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` to get the next page; null: this is the last page',
});

/** The response schema of a list of `item` (`next` described otherwise where its parameter is not `cursor`). */
export const ListOf = <T extends TSchema>(item: T, next: { description?: string } = {}) =>
  Type.Object({
    items: Type.Array(item),
    next: next.description ? Type.Union([Type.String(), Type.Null()], next) : NextCursor,
  });

/** A list that comes in one page. */
export const onePage = <T>(items: T[]) => ({ items, next: null });
