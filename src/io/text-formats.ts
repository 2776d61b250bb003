import type { Table } from 'apache-arrow';

const ROWS_PER_CHUNK = 8192;

/** Plain JS value of a cell: BigInts that fit become numbers, dates become ISO strings. */
export function cellValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v !== null && typeof v === 'object' && 'toJSON' in v) return (v as { toJSON(): unknown }).toJSON();
  return v;
}

/**
 * Text as one CSV field (RFC 4180 quoting). An empty string is written quoted (`""`), so it is not
 * read back as a null: a null is an empty field, as PostgreSQL's COPY writes them and quiver's CSV
 * reader reads them (its null markers apply to unquoted text only).
 */
export function csvQuote(s: string): string {
  if (s === '') return '""';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvField(v: unknown): string {
  const c = cellValue(v);
  if (c === null || c === undefined) return '';
  return csvQuote(typeof c === 'string' ? c : typeof c === 'object' ? JSON.stringify(c) : String(c));
}

/** The table as CSV text (RFC 4180 quoting; a null is an empty field, an empty string `""`), in chunks of rows. */
export function* tableToCsvLines(table: Table): Generator<string> {
  const names = table.schema.fields.map((f) => f.name);
  const cols = names.map((n) => table.getChild(n)!);
  yield names.map(csvField).join(',') + '\n';
  for (let start = 0; start < table.numRows; start += ROWS_PER_CHUNK) {
    const end = Math.min(table.numRows, start + ROWS_PER_CHUNK);
    let out = '';
    for (let i = start; i < end; i++) out += cols.map((c) => csvField(c.get(i))).join(',') + '\n';
    yield out;
  }
}

/** The table as one JSON object per row, in chunks of rows joined by `sep`. */
export function* tableToNdjsonLines(table: Table, sep = '\n'): Generator<string> {
  const names = table.schema.fields.map((f) => f.name);
  const cols = names.map((n) => table.getChild(n)!);
  for (let start = 0; start < table.numRows; start += ROWS_PER_CHUNK) {
    const end = Math.min(table.numRows, start + ROWS_PER_CHUNK);
    const rows: string[] = [];
    for (let i = start; i < end; i++) {
      const row: Record<string, unknown> = {};
      names.forEach((n, j) => (row[n] = cellValue(cols[j]!.get(i)) ?? null));
      rows.push(JSON.stringify(row));
    }
    yield rows.join(sep) + (end < table.numRows || sep === '\n' ? sep : '');
  }
}
