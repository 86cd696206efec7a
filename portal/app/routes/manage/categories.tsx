// Categories group products on the tills' grid: a tab per top-level category, in this order, and
// under it a tab per subcategory (one level, as the tills show them). Add, rename, move up or down,
// place under another category, delete; a product's category is chosen on the product's page.
// Renames, placements and deletes carry the version the page was read at (If-Match): a rename
// someone else saved first is shown beside yours.
import { useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { ConflictMerge, isVersionConflict, type Conflict } from '../../conflict.tsx';
import {
  ActionForm,
  Field,
  FormError,
  freshAfter,
  InlineInput,
  InlineSelect,
  Outcome,
  SelectField,
  useListForms,
} from '../../form-kit.tsx';
import {
  deleteCategorySchema,
  fieldErrors,
  formObject,
  moveCategorySchema,
  newCategorySchema,
  placeCategorySchema,
  renameCategorySchema,
} from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { changedMeanwhile, fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { useTenant } from './layout.tsx';
import type { Category, Page } from './types.ts';

export const meta = () => [{ title: 'Categories · CloudPOS' }];

/** The tills' order: by position, then name. */
const byPosition = (a: Category, b: Category) => a.position - b.position || a.name.localeCompare(b.name);

/** Top-level categories in order, each with its subcategories in order. */
function categoryTree(categories: readonly Category[]): { category: Category; children: Category[] }[] {
  const top = categories.filter((category) => category.parentId === null).toSorted(byPosition);
  return top.map((category) => ({
    category,
    children: categories.filter((child) => child.parentId === category.id).toSorted(byPosition),
  }));
}

async function allCategories(api: Awaited<ReturnType<typeof requireStore>>['api']): Promise<Category[]> {
  const { data } = await api.get<Page<Category>>('/v1/catalog/categories');
  return data.items;
}

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  try {
    return { tree: categoryTree(await allCategories(api)) };
  } catch (error) {
    return loaderError(error);
  }
}

const MESSAGES = {
  category_not_found: 'That category was deleted meanwhile. The list shows the categories as they are now.',
  category_has_children: 'That category has subcategories: delete or move them first.',
};

/** The position after the last of a parent's categories. */
const nextPosition = (categories: Category[], parentId: string | null) =>
  Math.max(0, ...categories.filter((c) => c.parentId === parentId).map((c) => c.position + 1));

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  try {
    if (values.intent === 'create') {
      const parsed = newCategorySchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      const categories = await allCategories(api);
      const parentId = parsed.data.parentId || null;
      if (parentId && !categories.some((c) => c.id === parentId && c.parentId === null))
        return invalid({ parentId: 'Choose a top-level category (the tills show one level).' }, values);
      // Last in the tills' order among its siblings.
      const { data } = await api.send<Category>('POST', '/v1/catalog/categories', {
        name: parsed.data.name,
        parentId,
        position: nextPosition(categories, parentId),
      });
      return { ok: `Category ${data.name} added.` };
    }
    if (values.intent === 'move') {
      const parsed = moveCategorySchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      // The order as it is now: the category swaps places with its neighbour, and the siblings
      // whose position changes are saved (each with its current version).
      const categories = await allCategories(api);
      const moved = categories.find((c) => c.id === parsed.data.id);
      if (!moved) return invalid({ form: MESSAGES.category_not_found }, values, 404);
      const siblings = categories.filter((c) => c.parentId === moved.parentId).toSorted(byPosition);
      const from = siblings.indexOf(moved);
      const to = parsed.data.direction === 'up' ? from - 1 : from + 1;
      if (to < 0 || to >= siblings.length)
        return { ok: `${moved.name} is already ${parsed.data.direction === 'up' ? 'first' : 'last'}.` };
      [siblings[from], siblings[to]] = [siblings[to]!, siblings[from]!];
      for (const [position, category] of siblings.entries()) {
        if (category.position === position) continue;
        await api.send(
          'PATCH',
          `/v1/catalog/categories/${category.id}`,
          { position },
          { ifMatch: category.version },
        );
      }
      return { ok: `${moved.name} moved ${parsed.data.direction}.` };
    }
    if (values.intent === 'place') {
      const parsed = placeCategorySchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      const categories = await allCategories(api);
      const category = categories.find((c) => c.id === parsed.data.id);
      const parentId = parsed.data.parentId || null;
      if (!category) return invalid({ form: MESSAGES.category_not_found }, values, 404);
      if (category.parentId === parentId) return { ok: `${category.name} stays where it is.` };
      if (parentId && categories.some((c) => c.parentId === category.id))
        return invalid({ form: `${category.name} has subcategories: it stays at the top level.` }, values);
      if (
        parentId &&
        (parentId === category.id || !categories.some((c) => c.id === parentId && c.parentId === null))
      )
        return invalid({ form: 'Choose a top-level category (the tills show one level).' }, values);
      await api.send(
        'PATCH',
        `/v1/catalog/categories/${category.id}`,
        { parentId, position: nextPosition(categories, parentId) },
        { ifMatch: parsed.data.version },
      );
      const parent = categories.find((c) => c.id === parentId);
      return {
        ok: parent
          ? `${category.name} is now under ${parent.name}.`
          : `${category.name} is now a top-level category.`,
      };
    }
    if (values.intent === 'rename') {
      const parsed = renameCategorySchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      const path = `/v1/catalog/categories/${parsed.data.id}`;
      try {
        await api.send('PATCH', path, { name: parsed.data.name }, { ifMatch: parsed.data.version });
        return { ok: `Renamed to ${parsed.data.name}.` };
      } catch (error) {
        if (!isVersionConflict(error)) throw error;
        const current = await api.get<Category>(path);
        const conflict: Conflict<'name'> = {
          mine: { name: parsed.data.name },
          theirs: { name: current.data.name },
          version: current.data.version,
        };
        return { conflict: { ...conflict, id: parsed.data.id } };
      }
    }
    if (values.intent === 'delete') {
      const parsed = deleteCategorySchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      await api.send('DELETE', `/v1/catalog/categories/${parsed.data.id}`, undefined, {
        ifMatch: parsed.data.version,
      });
      return { ok: 'Category deleted. Its products now have no category.' };
    }
    return invalid({ form: 'Unknown action. Reload the page.' }, values);
  } catch (error) {
    if (isVersionConflict(error)) return changedMeanwhile('this category', values);
    return fromPosApiError(error, values, MESSAGES);
  }
}

export default function Categories() {
  const { tree } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const result = useActionData<typeof action>();
  const { creating, errors, onSubmit, rowError } = useListForms(newCategorySchema, result);
  const conflict = result && 'conflict' in result ? result.conflict : undefined;
  const topLevel = tree.map(({ category }) => ({ value: category.id, label: category.name }));
  const row = (category: Category, siblings: Category[], hasChildren: boolean) => {
    const mine = conflict?.id === category.id ? conflict : undefined;
    const index = siblings.indexOf(category);
    const places = [
      { value: '', label: 'Top level' },
      ...topLevel.filter((option) => option.value !== category.id),
    ];
    return (
      <div className="row">
        <div>
          <strong>{category.name}</strong>
        </div>
        <div className="row-actions">
          <ActionForm intent="move" fields={{ id: category.id, direction: 'up' }}>
            <button
              type="submit"
              className="secondary"
              disabled={index === 0}
              aria-label={`Move ${category.name} up`}
            >
              ↑
            </button>
          </ActionForm>
          <ActionForm intent="move" fields={{ id: category.id, direction: 'down' }}>
            <button
              type="submit"
              className="secondary"
              disabled={index === siblings.length - 1}
              aria-label={`Move ${category.name} down`}
            >
              ↓
            </button>
          </ActionForm>
          <ActionForm
            intent="rename"
            fields={{ id: category.id, version: mine?.version ?? category.version }}
            key={`${category.id}-${mine?.version ?? category.version}`}
          >
            <InlineInput
              id={`rename-${category.id}`}
              label={`New name for ${category.name}`}
              name="name"
              defaultValue={mine?.mine.name ?? category.name}
            />
            <button type="submit" className="secondary">
              {mine ? 'Save my name' : 'Rename'}
            </button>
          </ActionForm>
          {hasChildren ? null : (
            <ActionForm
              intent="place"
              fields={{ id: category.id, version: category.version }}
              key={`place-${category.id}-${category.version}`}
            >
              <InlineSelect
                id={`place-${category.id}`}
                label={`Place ${category.name} under`}
                name="parentId"
                defaultValue={category.parentId ?? ''}
                options={places}
              />
              <button type="submit" className="secondary">
                Place
              </button>
            </ActionForm>
          )}
          <ActionForm intent="delete" fields={{ id: category.id, version: category.version }}>
            <button type="submit" className="secondary danger" aria-label={`Delete ${category.name}`}>
              Delete
            </button>
          </ActionForm>
        </div>
      </div>
    );
  };
  const top = tree.map(({ category }) => category);
  return (
    <section className="card">
      <h1>Categories</h1>
      <p className="muted">
        The tills show a tab per category in this order, and a category&rsquo;s subcategories under its tab.
      </p>
      <Outcome result={result} />
      <FormError message={rowError} />
      {conflict ? (
        <ConflictMerge
          what="this category"
          conflict={conflict}
          labels={{ name: 'Name' }}
          keepTheirs={`/tenants/${tenant.slug}/manage/categories`}
        />
      ) : null}
      {tree.length === 0 ? <p>No categories yet: the tills show every product under All.</p> : null}
      <ul className="rows" aria-label="Categories">
        {tree.map(({ category, children }) => (
          <li key={category.id}>
            {row(category, top, children.length > 0)}
            {children.length > 0 ? (
              <ul className="rows subcategories" aria-label={`Subcategories of ${category.name}`}>
                {children.map((child) => (
                  <li key={child.id}>{row(child, children, false)}</li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
      <ActionForm intent="create" block noValidate onSubmit={onSubmit} key={freshAfter(result, 'new')}>
        <h2>Add a category</h2>
        <FormError message={errors.form} />
        <Field
          name="name"
          label="Category name"
          idPrefix="new-category"
          hint="Such as Hot drinks or Pastries."
          defaultValue={creating?.values.name}
          error={errors.name}
        />
        {topLevel.length > 0 ? (
          <SelectField
            name="parentId"
            label="Place it under"
            idPrefix="new-category"
            options={[{ value: '', label: 'Top level' }, ...topLevel]}
            defaultValue={creating?.values.parentId ?? ''}
            error={errors.parentId}
          />
        ) : null}
        <button type="submit">Add category</button>
      </ActionForm>
    </section>
  );
}
