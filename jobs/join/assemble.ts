import { Table, type Vector } from 'apache-arrow';
import { UsageError } from 'quiver';
import { take } from './take.js';

/** The column of a chunk table holding each output row's right row (−1: none); not an output column. */
export const RIGHT_ROW = '\u0000right-row';

/**
 * The join's output: the left columns as they are, then the right input's columns other than its key
 * columns (equal to the left's on every match), at `rightRows` (−1 gives nulls: a left row no right
 * row matched). A right column named like a left one gets `_right` appended (again, until unique).
 * With `columns`, only those output columns, in that order.
 */
export function joinedTable(left: Table, right: Table, rightRows: Int32Array, rightKeys: string[], columns: string[]): Table {
  const out: Record<string, Vector> = {};
  for (const f of left.schema.fields) if (f.name !== RIGHT_ROW) out[f.name] = left.getChild(f.name)!;
  for (const f of right.schema.fields) {
    if (rightKeys.includes(f.name)) continue;
    let name = f.name;
    while (Object.hasOwn(out, name)) name += '_right';
    out[name] = take(right.getChild(f.name)!, rightRows);
  }
  if (columns.length === 0) return new Table(out);
  const missing = columns.filter((c) => !Object.hasOwn(out, c));
  if (missing.length) throw new UsageError(`--param columns names ${missing.map((c) => `"${c}"`).join(', ')}, not among the join's output columns: ${Object.keys(out).join(', ')}`);
  return new Table(Object.fromEntries(columns.map((c) => [c, out[c]!])));
}
