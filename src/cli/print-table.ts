import { DataType, type Table } from 'apache-arrow';
import { cellTextOf } from '../io/format-value.js';
import { formatCount } from '../util/size.js';

/** What the table shows for a null: DuckDB's marker, unlike any text in a cell (a string "NULL" aside). */
const NULL_MARK = 'NULL';
const MAX_WIDTH = 60;

/** Control characters shown as escapes, so a value with a newline or tab stays on its row. */
function escapeControls(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'),
  );
}

/** The first `n` rows of a table as cell texts, each column formatted as the CSV writer spells it (format-value.ts). */
function cellsOf(table: Table, n: number): string[][] {
  const rows: string[][] = [];
  for (const batch of table.batches) {
    if (rows.length >= n) break;
    const cols = batch.schema.fields.map((f, j) => cellTextOf(batch.getChildAt(j)!.data[0]!, 'text', f));
    for (let i = 0; i < batch.numRows && rows.length < n; i++)
      rows.push(
        cols.map((c) => {
          const s = c(i);
          return s === null ? NULL_MARK : escapeControls(s);
        }),
      );
  }
  return rows;
}

/** The first `limit` rows of a table as aligned text, numbers right-aligned, with a row count footer. */
export function formatTable(table: Table, limit: number): string {
  const fields = table.schema.fields;
  const names = fields.map((f) => escapeControls(f.name));
  const n = Math.min(limit, table.numRows);
  const cells = cellsOf(table, n);
  const numeric = fields.map((f) => DataType.isInt(f.type) || DataType.isFloat(f.type) || DataType.isDecimal(f.type));
  // A loop, not Math.max(...cells): spreading a million rows into arguments overflows the stack.
  const widths = names.map((name) => Math.min(MAX_WIDTH, name.length));
  for (const r of cells) for (let j = 0; j < r.length; j++) if (r[j]!.length > widths[j]!) widths[j] = Math.min(MAX_WIDTH, r[j]!.length);
  const pad = (s: string, j: number) => {
    const t = s.length > widths[j]! ? s.slice(0, widths[j]! - 1) + '…' : s;
    return numeric[j] ? t.padStart(widths[j]!) : t.padEnd(widths[j]!);
  };
  const lines = [names.map(pad).join('  '), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map((r) => r.map(pad).join('  '))];
  const more = table.numRows - n;
  lines.push(
    more > 0
      ? `… ${formatCount(more)} more rows (${formatCount(table.numRows)} in all; --limit to show more)`
      : `(${formatCount(table.numRows)} row${table.numRows === 1 ? '' : 's'})`,
  );
  return lines.join('\n');
}
