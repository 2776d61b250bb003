import type { Table, Vector } from 'apache-arrow';

/** Relative tolerance for floating-point cells: plans differ across worker counts, so sums are added in different orders. */
export const FLOAT_TOLERANCE = 1e-9;

/** How two result tables compare: equal, or where they first differ. */
export type TableComparison =
  | { state: 'equal' }
  | { state: 'different'; reason: 'columns'; expected: string[]; found: string[] }
  | { state: 'different'; reason: 'rows'; expected: number; found: number }
  | { state: 'different'; reason: 'cell'; row: number; column: string; expected: unknown; found: unknown; rowText: string };

/**
 * Compares two result tables: the same column names in the same order, the same number of rows, and
 * equal cells — exact for integers, strings and booleans; within a relative `tolerance` for floats.
 */
export function compareTables(expected: Table, found: Table, tolerance = FLOAT_TOLERANCE): TableComparison {
  const names = expected.schema.fields.map((f) => f.name);
  const foundNames = found.schema.fields.map((f) => f.name);
  if (names.join('\u0000') !== foundNames.join('\u0000'))
    return { state: 'different', reason: 'columns', expected: names, found: foundNames };
  if (expected.numRows !== found.numRows) return { state: 'different', reason: 'rows', expected: expected.numRows, found: found.numRows };
  const a = names.map((n) => expected.getChild(n)!);
  const b = names.map((n) => found.getChild(n)!);
  for (let j = 0; j < names.length; j++) {
    const floats = isFloat(a[j]!) || isFloat(b[j]!);
    const av = valuesOf(a[j]!);
    const bv = valuesOf(b[j]!);
    for (let i = 0; i < av.length; i++) {
      if (!cellsEqual(av[i], bv[i], floats, tolerance)) {
        return {
          state: 'different',
          reason: 'cell',
          row: i,
          column: names[j]!,
          expected: plain(av[i]),
          found: plain(bv[i]),
          rowText: rowText(names, b, i),
        };
      }
    }
  }
  return { state: 'equal' };
}

function isFloat(v: Vector): boolean {
  return /Float|Decimal/.test(String(v.type));
}

function valuesOf(v: Vector): ArrayLike<unknown> {
  return v.nullCount === 0 ? (v.toArray() as ArrayLike<unknown>) : Array.from({ length: v.length }, (_, i) => v.get(i));
}

function cellsEqual(x: unknown, y: unknown, floats: boolean, tolerance: number): boolean {
  if (x === y) return true;
  const nx = typeof x === 'bigint' ? Number(x) : x;
  const ny = typeof y === 'bigint' ? Number(y) : y;
  if (typeof nx === 'number' && typeof ny === 'number') {
    if (Number.isNaN(nx) && Number.isNaN(ny)) return true;
    return floats && Math.abs(nx - ny) <= tolerance * Math.max(Math.abs(nx), Math.abs(ny));
  }
  return false;
}

function plain(v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}

function rowText(names: string[], cols: Vector[], i: number): string {
  return names.map((n, j) => `${n}=${JSON.stringify(plain(cols[j]!.get(i)))}`).join(', ');
}

/** One line saying where two results differ, e.g. `row 3 (word="a", count=2): count is 2, expected 3`. */
export function describeDifference(d: Exclude<TableComparison, { state: 'equal' }>): string {
  switch (d.reason) {
    case 'columns':
      return `its columns are ${d.found.join(', ')}, expected ${d.expected.join(', ')}`;
    case 'rows':
      return `it has ${d.found} rows, expected ${d.expected}`;
    case 'cell':
      return (
        `first difference at row ${d.row + 1} (${d.rowText}): ${d.column} is ${JSON.stringify(d.found)}, expected ` +
        `${JSON.stringify(d.expected)}`
      );
  }
}
