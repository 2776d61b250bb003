import type { Table } from 'apache-arrow';
import { cellValue } from '../io/text-formats.js';

function show(v: unknown): string {
  const c = cellValue(v);
  if (c === null || c === undefined) return '∅';
  if (typeof c === 'number') return Number.isInteger(c) ? String(c) : String(Number(c.toPrecision(10)));
  return typeof c === 'object' ? JSON.stringify(c) : String(c);
}

/** The first `limit` rows of a table as aligned text, numbers right-aligned, with a row count footer. */
export function formatTable(table: Table, limit: number): string {
  const names = table.schema.fields.map((f) => f.name);
  // By position: getChild(name) searches the schema each time, quadratic in a CSV of 40,000 columns.
  const cols = names.map((_, i) => table.getChildAt(i)!);
  const n = Math.min(limit, table.numRows);
  const cells = Array.from({ length: n }, (_, i) => cols.map((c) => show(c.get(i))));
  const numeric = cols.map((c) => /^(Int|Uint|Float|Decimal)/.test(String(c.type))); // not List<Int32> and the like
  // A loop, not Math.max(...cells): spreading a million rows into arguments overflows the stack.
  const widths = names.map((name) => Math.min(60, name.length));
  for (const r of cells) for (let j = 0; j < r.length; j++) if (r[j]!.length > widths[j]!) widths[j] = Math.min(60, r[j]!.length);
  const pad = (s: string, j: number) => {
    const t = s.length > widths[j]! ? s.slice(0, widths[j]! - 1) + '…' : s;
    return numeric[j] ? t.padStart(widths[j]!) : t.padEnd(widths[j]!);
  };
  const lines = [names.map(pad).join('  '), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map((r) => r.map(pad).join('  '))];
  const more = table.numRows - n;
  lines.push(more > 0 ? `… ${more.toLocaleString('en-US')} more rows (${table.numRows.toLocaleString('en-US')} in all; --limit to show more)` : `(${table.numRows.toLocaleString('en-US')} rows)`);
  return lines.join('\n');
}
