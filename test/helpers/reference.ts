import { readFileSync } from 'node:fs';
import type { Table } from 'apache-arrow';

/** Rows of an Arrow table as plain objects (numbers stay numbers), for comparing with references. */
export function rowsOf(table: Table): Array<Record<string, unknown>> {
  const names = table.schema.fields.map((f) => f.name);
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const n of names) {
      const v = table.getChild(n)!.get(i);
      row[n] = typeof v === 'bigint' ? Number(v) : v;
    }
    out.push(row);
  }
  return out;
}

/** Word counts of text, computed sequentially with plain loops: the reference for wordcount. */
export function referenceWordCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of text.split(/\s+/)) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** The word counts a `wordcount -o x.csv` run wrote (a header, then `word,count` lines), to compare with `referenceWordCount`. */
export function wordCountsOfCsv(file: string): Map<string, number> {
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return new Map(rows.map((l) => l.split(',')).map(([w, n]) => [w!, Number(n)]));
}
