import { describe, expect, it } from 'vitest';
import { hashOf } from './index.ts';

// Stored idempotency keys keep the hash of their first request: a retry after a deploy must hash
// the same body to the same value, so these are pinned (computed by the first implementation).
describe('hashOf', () => {
  it('hashes a sale the same way across releases', () => {
    const sale = {
      lines: [
        { sku: 'MUG', quantity: 2 },
        { barcode: '4006381333931', quantity: '1.5', discount: { percent: '5' } },
      ],
      tenders: [{ method: 'cash', amount: 1234 }],
    };
    expect(hashOf(sale)).toBe('a61cef6703fdd412f0be92192a3877af866083a2f1033f655d2489b0b0ce4ff6');
  });

  it('orders keys as localeCompare does, drops undefined values, keeps array order', () => {
    const body = {
      b: 1,
      a: 2,
      B: 3,
      A: 4,
      é: 5,
      e: 6,
      _x: 7,
      '10': 8,
      '2': 9,
      z: undefined,
      nested: { Zeta: [1, { y: null, x: true }], alpha: 'ä' },
    };
    expect(hashOf(body)).toBe('e0f9941342b78a2d872f03e4d4218c1e81c21948e3bb19749100f84507dda919');
    expect(hashOf({ ...body, z: 1 })).not.toBe(hashOf(body));
    expect(hashOf([3, 'x', null, { k: 'v' }])).toBe(
      'e74e7e0ee5944236190575335181f7494d4ca54a5df494a2325cb04cc71b664f',
    );
    expect(hashOf([{ k: 'v' }, 3, 'x', null])).not.toBe(hashOf([3, 'x', null, { k: 'v' }]));
  });

  it('does not depend on the order the keys came in', () => {
    expect(hashOf({ a: 1, b: { c: 2, d: 3 } })).toBe(hashOf({ b: { d: 3, c: 2 }, a: 1 }));
  });
});
