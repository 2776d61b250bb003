import { Table, type Vector } from 'apache-arrow';
import { UsageError } from 'quiver-engine';
import { take } from './take.js';

/**
 * The join's output columns: the left columns as they are, then the right input's columns other than
 * its key columns (equal to the left's on every match), at `rightRows` (−1 gives nulls: a left row no
 * right row matched). A right column named like a left one gets `_right` appended (again, until
 * unique). With `columns`, only those output columns, in that order. `order` is the order to read the
 * right rows in (see take).
 */
export function joinedColumns(
  left: Record<string, Vector>,
  right: Table,
  rightRows: Int32Array,
  rightKeys: string[],
  columns: string[],
  order?: Int32Array,
): Record<string, Vector> {
  const out: Record<string, Vector> = { ...left };
  for (const f of right.schema.fields) {
    if (rightKeys.includes(f.name)) continue;
    let name = f.name;
    while (Object.hasOwn(out, name)) name += '_right';
    out[name] = take(right.getChild(f.name)!, rightRows, order);
  }
  if (columns.length === 0) return out;
  const missing = columns.filter((c) => !Object.hasOwn(out, c));
  if (missing.length)
    throw new UsageError(
      `--param columns names ${missing.map((c) => `"${c}"`).join(', ')}, not among the join's output columns: ` +
        `${Object.keys(out).join(', ')}`,
    );
  return Object.fromEntries(columns.map((c) => [c, out[c]!]));
}

/** The join's output as a table, from a table of the left columns (see joinedColumns). */
export function joinedTable(left: Table, right: Table, rightRows: Int32Array, rightKeys: string[], columns: string[]): Table {
  const vectors = Object.fromEntries(left.schema.fields.map((f) => [f.name, left.getChild(f.name)!]));
  return new Table(joinedColumns(vectors, right, rightRows, rightKeys, columns));
}
