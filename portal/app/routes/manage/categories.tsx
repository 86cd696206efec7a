// Categories group products on the tills' grid (the till shows a tab per category, in this order).
// Add, rename and delete; a product's category is chosen on the product's page. Renames and deletes
// carry the version the page was read at (If-Match): a rename someone else saved first is shown
// beside yours.
import { useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router';
import { ConflictMerge, isVersionConflict, type Conflict } from '../../conflict.tsx';
import {
  ActionForm,
  Field,
  FormError,
  freshAfter,
  InlineInput,
  Outcome,
  useListForms,
} from '../../form-kit.tsx';
import {
  deleteCategorySchema,
  fieldErrors,
  formObject,
  newCategorySchema,
  renameCategorySchema,
} from '../../forms.ts';
import { invalid } from '../../action-errors.server.ts';
import { changedMeanwhile, fromPosApiError, loaderError, requireStore } from '../../manage.server.ts';
import { useTenant } from './layout.tsx';
import type { Category, Page } from './types.ts';

export const meta = () => [{ title: 'Categories · CloudPOS' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  try {
    const { data } = await api.get<Page<Category>>('/v1/catalog/categories');
    return {
      categories: data.items.toSorted((a, b) => a.position - b.position || a.name.localeCompare(b.name)),
    };
  } catch (error) {
    return loaderError(error);
  }
}

const MESSAGES = {
  category_not_found: 'That category was deleted meanwhile. The list shows the categories as they are now.',
  category_has_children: 'That category has subcategories: delete or move them first.',
};

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { api } = await requireStore(context, request, params.slug);
  const values = formObject(await request.formData());
  try {
    if (values.intent === 'create') {
      const parsed = newCategorySchema.safeParse(values);
      if (!parsed.success) return invalid(fieldErrors(parsed.error), values);
      // Last in the till's order.
      const { data: existing } = await api.get<Page<Category>>('/v1/catalog/categories');
      const position = Math.max(0, ...existing.items.map((category) => category.position + 1));
      const { data } = await api.send<Category>('POST', '/v1/catalog/categories', {
        name: parsed.data.name,
        position,
      });
      return { ok: `Category ${data.name} added.` };
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
  const { categories } = useLoaderData<typeof loader>();
  const tenant = useTenant();
  const result = useActionData<typeof action>();
  const { creating, errors, onSubmit, rowError } = useListForms(newCategorySchema, result);
  const conflict = result && 'conflict' in result ? result.conflict : undefined;
  return (
    <section className="card">
      <h1>Categories</h1>
      <p className="muted">The tills group their product grid by these categories, in this order.</p>
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
      {categories.length === 0 ? <p>No categories yet: the tills show every product under All.</p> : null}
      <ul className="rows" aria-label="Categories">
        {categories.map((category) => {
          const mine = conflict?.id === category.id ? conflict : undefined;
          return (
            <li key={category.id} className="row">
              <div>
                <strong>{category.name}</strong>
              </div>
              <div className="row-actions">
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
                <ActionForm intent="delete" fields={{ id: category.id, version: category.version }}>
                  <button type="submit" className="secondary danger" aria-label={`Delete ${category.name}`}>
                    Delete
                  </button>
                </ActionForm>
              </div>
            </li>
          );
        })}
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
        <button type="submit">Add category</button>
      </ActionForm>
    </section>
  );
}
