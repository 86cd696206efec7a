// An edit that lost a race (If-Match answered 412 version_conflict): what the person typed beside
// what someone else saved, field by field, with the choice of saving theirs over it (the form,
// now carrying the current version, saves "my version") or keeping the saved one.
import { Link } from 'react-router';

export interface Conflict<F extends string> {
  mine: Record<F, string>;
  theirs: Record<F, string>;
  /** The version saved meanwhile: the next save names it. */
  version: number;
}

export function ConflictMerge<F extends string>(props: {
  /** "this product", "this variant", "this price". */
  what: string;
  conflict: Conflict<F>;
  labels: Record<F, string>;
  /** A field's value as people read it (a category's name rather than its id). */
  shown?: (field: F, value: string) => string;
  /** Where "keep theirs" goes: the page again, read fresh. */
  keepTheirs: string;
}) {
  const { conflict, labels } = props;
  const shown = props.shown ?? ((_field: F, value: string) => value || '(empty)');
  const fields = (Object.keys(labels) as F[]).filter(
    (field) => conflict.mine[field] !== conflict.theirs[field],
  );
  return (
    <div className="error banner conflict" role="alert">
      <p>
        <strong>Someone else changed {props.what} while you were editing it.</strong> Compare the two
        versions; save again to keep yours, or keep theirs.
      </p>
      <table>
        <caption className="visually-hidden">Your changes and the saved version</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Yours</th>
            <th scope="col">Saved by someone else</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={field}>
              <th scope="row">{labels[field]}</th>
              <td>{shown(field, conflict.mine[field])}</td>
              <td>{shown(field, conflict.theirs[field])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <Link to={props.keepTheirs}>Keep theirs (discard my changes)</Link>
      </p>
    </div>
  );
}

/** Whether an API call failed because what it changed was saved by someone else meanwhile. */
export const isVersionConflict = (error: unknown) =>
  (error as { code?: string } | undefined)?.code === 'version_conflict';
