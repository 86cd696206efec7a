// The catalog search: the same items, in the same order, as checking every item's text for every
// word, over random catalogs and queries (seeded); the limit and the filter as the grid uses them.
import { describe, expect, it } from 'vitest';
import { searchIndex, searchItems } from './search.ts';

/** Mulberry32: a small seeded source, so a failure can be replayed. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const naive = <T extends { searchText: string }>(
  items: readonly T[],
  query: string,
  accept: (item: T) => boolean,
  limit: number,
) => {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return items
    .filter((item) => words.every((word) => item.searchText.includes(word)) && accept(item))
    .slice(0, limit);
};

describe('searching the catalog', () => {
  it('finds what checking every item finds, in catalog order, for random catalogs and queries', () => {
    const syllables = ['ca', 'fe', 'la', 'te', 'mu', 'g', 'es', 'pre', 'sso', 'te', 'a', 'x', '9', '-'];
    for (let seed = 1; seed <= 200; seed++) {
      const random = seeded(seed);
      const pick = () => syllables[Math.floor(random() * syllables.length)]!;
      const word = () => Array.from({ length: 1 + Math.floor(random() * 3) }, pick).join('');
      const items = Array.from({ length: Math.floor(random() * 60) }, (_, n) => ({
        id: n,
        searchText: Array.from({ length: 1 + Math.floor(random() * 4) }, word).join(
          random() < 0.1 ? '\n' : ' ',
        ),
        even: n % 2 === 0,
      }));
      const index = searchIndex(items);
      for (let q = 0; q < 20; q++) {
        const query = Array.from({ length: Math.floor(random() * 3) }, word).join(' ');
        const limit = 1 + Math.floor(random() * 10);
        const accept = random() < 0.5 ? () => true : (item: { even: boolean }) => item.even;
        expect(
          searchItems(index, query, accept, limit).map((item) => item.id),
          `seed ${seed}, query "${query}", limit ${limit}`,
        ).toEqual(naive(items, query, accept, limit).map((item) => item.id));
      }
    }
  });

  it('takes upper case and extra spaces as the grid is typed into, and finds nothing in an empty catalog', () => {
    const index = searchIndex([
      { searchText: 'flat white fw-1' },
      { searchText: 'espresso es-1' },
      { searchText: 'white tea wt-2' },
    ]);
    expect(searchItems(index, '  WHITE ', () => true, 10).map((item) => item.searchText)).toEqual([
      'flat white fw-1',
      'white tea wt-2',
    ]);
    expect(searchItems(index, 'white', () => true, 1)).toHaveLength(1);
    expect(searchItems(index, 'zzz', () => true, 10)).toEqual([]);
    expect(searchItems(searchIndex([]), 'a', () => true, 10)).toEqual([]);
    expect(searchItems(searchIndex([]), '', () => true, 10)).toEqual([]);
  });
});
