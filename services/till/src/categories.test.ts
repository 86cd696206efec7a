import { describe, expect, it } from 'vitest';
import { categoryTabs } from './categories.ts';

const categories = [
  { id: 'drinks', name: 'Hot drinks', position: 0, parentId: null },
  { id: 'coffee', name: 'Coffee', position: 0, parentId: 'drinks' },
  { id: 'tea', name: 'Tea', position: 1, parentId: 'drinks' },
  { id: 'pastries', name: 'Pastries', position: 1 },
  { id: 'orphan', name: 'Old', position: 2, parentId: 'deleted' },
];
const names = (list: { name: string }[]) => list.map((entry) => entry.name);

describe('the till’s category tabs', () => {
  it('shows top-level categories, and a subcategory whose parent is gone as one of them', () => {
    const tabs = categoryTabs(categories, '*all*');
    expect(names(tabs.top)).toEqual(['Hot drinks', 'Pastries', 'Old']);
    expect(tabs.children).toEqual([]);
    expect(tabs.openTop).toBeUndefined();
  });

  it('opens a top-level category with its subcategories, whose products it shows too', () => {
    const tabs = categoryTabs(categories, 'drinks');
    expect(tabs.openTop).toBe('drinks');
    expect(names(tabs.children)).toEqual(['Coffee', 'Tea']);
    expect([...tabs.inCategory].sort()).toEqual(['coffee', 'drinks', 'tea']);
  });

  it('keeps the parent open on a subcategory, and shows only that subcategory’s products', () => {
    const tabs = categoryTabs(categories, 'tea');
    expect(tabs.openTop).toBe('drinks');
    expect(tabs.openTopName).toBe('Hot drinks');
    expect(names(tabs.children)).toEqual(['Coffee', 'Tea']);
    expect([...tabs.inCategory]).toEqual(['tea']);
  });
});
