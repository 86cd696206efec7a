// The shared text and number rules, and the schema marking that puts them on every route.
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_TEXT_LENGTH,
  isSafeNumber,
  isSafeText,
  SAFE_NUMBER_KEYWORD,
  SAFE_TEXT_KEYWORD,
  withSafeInput,
} from './validation.ts';

describe('isSafeText', () => {
  it.each([
    ['plain text', 'Latte grande', true],
    ['an astral character (a valid surrogate pair)', 'caf\u00e9 \u{1f375}', true],
    ['NUL', 'ab\u0000cd', false],
    ['a lone high surrogate', 'ab\ud800', false],
    ['a lone low surrogate', '\udc00ab', false],
    ['a reversed pair', '\udc00\ud800', false],
  ])('%s: %s', (_name, value, safe) => {
    expect(isSafeText(value)).toBe(safe);
  });
});

describe('isSafeNumber', () => {
  it.each([
    [0, true],
    [-1, true],
    [Number.MAX_SAFE_INTEGER, true],
    [-Number.MAX_SAFE_INTEGER, true],
    [Number.MAX_SAFE_INTEGER + 1, false],
    [Infinity, false],
    [-Infinity, false],
    [NaN, false],
    [1e308, false],
  ])('%s', (value, safe) => {
    expect(isSafeNumber(value)).toBe(safe);
  });
});

describe('withSafeInput', () => {
  it('marks every string and number, however deep, and caps strings without a maxLength', () => {
    const schema = Type.Object({
      name: Type.String({ maxLength: 100 }),
      note: Type.Optional(Type.String()),
      id: Type.String({ format: 'uuid' }),
      lines: Type.Array(
        Type.Object({
          quantity: Type.Union([Type.String({ pattern: '^\\d+$' }), Type.Integer()]),
          price: Type.Union([Type.Number(), Type.Null()]),
        }),
      ),
    });
    const marked = withSafeInput(schema) as { properties: Record<string, Record<string, unknown>> };
    const props = marked.properties;
    expect(props.name).toMatchObject({ [SAFE_TEXT_KEYWORD]: true, maxLength: 100 });
    expect(props.note).toMatchObject({ [SAFE_TEXT_KEYWORD]: true, maxLength: DEFAULT_MAX_TEXT_LENGTH });
    expect(props.id).toMatchObject({ [SAFE_TEXT_KEYWORD]: true });
    expect(props.id).not.toHaveProperty('maxLength');
    const line = (props.lines!.items as { properties: Record<string, { anyOf: object[] }> }).properties;
    expect(line.quantity!.anyOf).toEqual([
      expect.objectContaining({ [SAFE_TEXT_KEYWORD]: true }),
      expect.objectContaining({ [SAFE_NUMBER_KEYWORD]: true }),
    ]);
    expect(line.price!.anyOf[0]).toMatchObject({ [SAFE_NUMBER_KEYWORD]: true });
  });

  it('leaves the schema it was given as it was (route schemas share TypeBox objects)', () => {
    const shared = Type.String();
    const schema = Type.Object({ a: shared });
    withSafeInput(schema);
    expect(shared).not.toHaveProperty(SAFE_TEXT_KEYWORD);
    expect(schema.properties.a).toBe(shared);
  });
});
