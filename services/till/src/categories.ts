// The till's category tabs: a row of top-level categories, and under the open one a row of its
// subcategories (the portal keeps categories one level deep).
import type { Category } from './db.ts';

/**
 * The tabs for a chosen category: the top-level categories (a subcategory whose parent is gone
 * counts as one), the open top-level one and its subcategories, and the categories whose products
 * the grid shows (the chosen one, and a top-level one's subcategories).
 */
export function categoryTabs(categories: readonly Category[], chosen: string) {
  const ids = new Set(categories.map((entry) => entry.id));
  const isTop = (entry: Category) => !entry.parentId || !ids.has(entry.parentId);
  const top = categories.filter(isTop);
  const picked = categories.find((entry) => entry.id === chosen);
  const open = picked && (isTop(picked) ? picked : categories.find((entry) => entry.id === picked.parentId));
  const children = open ? categories.filter((entry) => entry.parentId === open.id) : [];
  const inCategory = new Set(
    picked && picked === open ? [picked.id, ...children.map((child) => child.id)] : picked ? [picked.id] : [],
  );
  return { top, openTop: open?.id, openTopName: open?.name ?? '', children, inCategory };
}
