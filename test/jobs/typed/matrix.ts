import type { Engine } from 'quiver-engine';
import { convertFiles } from '../../../dist/src/coordinator/convert-files.js';
import type { Canon } from './oracle.js';

/**
 * The type × operation matrix of issue 22, shared by test/jobs/type-matrix.test.ts (the families
 * DuckDB and Polars write by default) and type-matrix-wide.test.ts (the wide and view layouts, NDJSON).
 * For one source file each column goes through every operation quiver has, each checked against
 * DuckDB's SQL on the same data (the source's `oracle` relation):
 *   show      quiver's CSV output, cast back to the column's type by DuckDB, EXCEPT the source both ways
 *   parquet   quiver's Parquet output: DuckDB reads the same type and values
 *   arrow     quiver's Arrow output, converted by quiver to Parquet: the same type and values
 *   key       groupby by the column, count: DuckDB's GROUP BY (primitive types)
 *   agg       groupby by g with sum/min/max/mean/count as DuckDB allows for the type (numbers, temporal)
 *   sort      sort by the column: DuckDB's ORDER BY column NULLS LAST, row id
 * Every comparison runs in DuckDB on quiver's output written as Parquet (whose own exactness is the
 * `parquet` column), so types and values are compared exactly, means within 1e-9.
 */

export type Op = 'show' | 'parquet' | 'arrow' | 'key' | 'agg' | 'sort';
export const OPS: Op[] = ['show', 'parquet', 'arrow', 'key', 'agg', 'sort'];
export type Family = 'integers' | 'floats, decimals' | 'temporal' | 'text, bytes' | 'bool, null' | 'nested';

export interface Column {
  name: string;
  family: Family;
  /** Aggregates DuckDB takes for the type: quiver's name and DuckDB's SQL; means are compared within 1e-9. */
  aggs: Array<'sum' | 'min' | 'max' | 'mean' | 'count'>;
  /** Not a primitive type: no group key, as issue 22 has it. */
  nested?: boolean;
  /** Sorted by too (a nested column is carried by sort, not ordered, unless this says so). */
  sortable?: boolean;
  /** SQL turning the text column `c` of quiver's CSV back into the oracle's value (default: a cast to its type). */
  fromText?: (c: string, type: string) => string;
}

export const NUM: Column['aggs'] = ['sum', 'min', 'max', 'mean', 'count'];
export const ORD: Column['aggs'] = ['min', 'max', 'count'];
export const col = (name: string, family: Family, aggs: Column['aggs'] = [], more: Partial<Column> = {}): Column => ({
  name,
  family,
  aggs,
  ...more,
});
/** A nested value read back from quiver's CSV (JSON text) by DuckDB. */
export const fromJson = (c: string, type: string) => `CAST(CAST(${c} AS JSON) AS ${type})`;

export interface Source {
  label: string;
  file: string;
  /** DuckDB's relation of the same data. */
  oracle: string;
  columns: Column[];
}

/** DuckDB's connection as the tests open it (typed/oracle.ts). */
export interface Db {
  sql: (text: string) => Promise<Canon[][]>;
}

export interface MatrixRow {
  source: string;
  column: string;
  type: string;
  cells: Record<Op, string>;
}

/** Rows in one relation and not the other, both ways (0 when they hold the same rows). */
export async function difference(db: Db, a: string, b: string): Promise<number> {
  const [[n]] = await db.sql(
    `SELECT ((SELECT count(*) FROM (${a} EXCEPT ALL ${b})) + (SELECT count(*) FROM (${b} EXCEPT ALL ${a})))::INTEGER`,
  );
  return Number(n);
}

/** A cell: '✓', or what went wrong. */
export async function cell(check: () => Promise<string | undefined>): Promise<string> {
  try {
    return (await check()) ?? '✓';
  } catch (e) {
    return `error: ${String((e as Error).message)
      .split('\n')[0]!
      .slice(0, 160)}`;
  }
}

/** Converts a file with quiver (as `quiver convert` does); a cell. */
export const convertCell = (from: string, to: string) =>
  cell(async () => void (await convertFiles([from], to, { workers: 2, overwrite: true })));

/** Every column of one source through every operation; `out(what)` names quiver's output files. */
export async function matrixOf(db: Db, engine: Engine, s: Source, out: (what: string) => string): Promise<MatrixRow[]> {
  const types = Object.fromEntries((await db.sql(`DESCRIBE SELECT * FROM ${s.oracle}`)).map((r) => [String(r[0]), String(r[1])]));
  const converted = {
    csv: await convertCell(s.file, out('show.csv')),
    parquet: await convertCell(s.file, out('back.parquet')),
    arrow: await convertCell(s.file, out('back.arrow')),
  };
  const arrowBack = converted.arrow === '✓' ? await convertCell(out('back.arrow'), out('arrow-back.parquet')) : converted.arrow;
  const csvBack = `read_csv('${out('show.csv')}', all_varchar = true, allow_quoted_nulls = false)`;
  const sameColumn = async (back: string, c: Column): Promise<string | undefined> => {
    const [[type]] = await db.sql(`SELECT column_type FROM (DESCRIBE SELECT "${c.name}" FROM ${back})`);
    if (type !== types[c.name]) return `type ${String(type)}, DuckDB's ${types[c.name]}`;
    const n = await difference(db, `SELECT id, "${c.name}" FROM ${s.oracle}`, `SELECT id, "${c.name}" FROM ${back}`);
    return n === 0 ? undefined : `${n} rows differ`;
  };
  const rows: MatrixRow[] = [];
  for (const c of s.columns) {
    const type = types[c.name]!;
    if (type === undefined) throw new Error(`${s.label}: the oracle has no column ${c.name}`);
    const cells = {} as Record<Op, string>;
    cells.show =
      converted.csv !== '✓'
        ? converted.csv
        : await cell(async () => {
            const text = (c.fromText ?? ((x: string, t: string) => `CAST(${x} AS ${t})`))(`"${c.name}"`, type);
            const n = await difference(db, `SELECT id, "${c.name}" FROM ${s.oracle}`, `SELECT id::INTEGER AS id, ${text} FROM ${csvBack}`);
            return n === 0 ? undefined : `${n} rows differ`;
          });
    cells.parquet =
      converted.parquet !== '✓' ? converted.parquet : await cell(() => sameColumn(`read_parquet('${out('back.parquet')}')`, c));
    cells.arrow = arrowBack !== '✓' ? arrowBack : await cell(() => sameColumn(`read_parquet('${out('arrow-back.parquet')}')`, c));
    cells.key = c.nested ? '—' : await cell(() => keyCell(db, engine, s, c, out(`key-${c.name}.parquet`)));
    cells.agg = c.aggs.length === 0 ? '—' : await cell(() => aggCell(db, engine, s, c, type, out(`agg-${c.name}.parquet`)));
    cells.sort = await cell(() => sortCell(db, engine, s, c, out(`sort-${c.name}.parquet`)));
    rows.push({ source: s.label, column: c.name, type, cells });
  }
  return rows;
}

/** groupby by the column, count: DuckDB's GROUP BY. */
async function keyCell(db: Db, engine: Engine, s: Source, c: Column, o: string): Promise<string | undefined> {
  await engine.run('groupby', { input: s.file, params: { by: c.name, agg: 'count' }, output: o, overwrite: true });
  const n = await difference(
    db,
    `SELECT "${c.name}", count FROM read_parquet('${o}')`,
    `SELECT "${c.name}", count(*) FROM ${s.oracle} GROUP BY ALL`,
  );
  return n === 0 ? undefined : `${n} groups differ`;
}

/** groupby by g with the column's aggregates: exact ones compared exactly, means (and float sums) within 1e-9. */
async function aggCell(db: Db, engine: Engine, s: Source, c: Column, type: string, o: string): Promise<string | undefined> {
  const exact = c.aggs.filter((a) => a !== 'mean' && !(a === 'sum' && c.family === 'floats, decimals' && !type.startsWith('DECIMAL')));
  const approx = c.aggs.filter((a) => !exact.includes(a));
  const agg = c.aggs.map((a) => `${a}:${c.name}`).join(',');
  await engine.run('groupby', { input: s.file, params: { by: 'g', agg }, output: o, overwrite: true });
  const sql = (a: string) => (a === 'mean' ? 'avg' : a);
  const n = await difference(
    db,
    `SELECT g, ${exact.map((a) => `"${a}_${c.name}"`).join(', ')} FROM read_parquet('${o}')`,
    `SELECT g, ${exact.map((a) => `${sql(a)}("${c.name}")`).join(', ')} FROM ${s.oracle} GROUP BY g`,
  );
  if (n !== 0) return `${n} groups differ (${exact.join(', ')})`;
  for (const a of approx) {
    const [[bad]] = await db.sql(
      `SELECT count(*) FROM read_parquet('${o}') q JOIN (SELECT g, ${sql(a)}("${c.name}") AS w FROM ${s.oracle} GROUP BY g) d USING (g) ` +
        `WHERE NOT (q."${a}_${c.name}" IS NOT DISTINCT FROM d.w OR abs(q."${a}_${c.name}" - d.w) <= 1e-9 * greatest(1, abs(d.w)))`,
    );
    if (Number(bad) !== 0) return `${a}: ${bad} groups differ`;
  }
  return undefined;
}

/**
 * sort by the column (a primitive one): DuckDB's ORDER BY column NULLS LAST, id. A nested column is
 * carried instead: sorted by id, it must come out whole beside its row.
 */
async function sortCell(db: Db, engine: Engine, s: Source, c: Column, o: string): Promise<string | undefined> {
  const by = c.nested && !c.sortable ? 'id' : c.name;
  await engine.run('sort', { input: s.file, params: { by, columns: `id,${c.name}` }, output: o, overwrite: true });
  const n = await difference(
    db,
    `SELECT row_number() OVER (ORDER BY file_row_number) AS r, id, "${c.name}" FROM read_parquet('${o}', file_row_number = true)`,
    `SELECT row_number() OVER (ORDER BY "${by}" ASC NULLS LAST, id) AS r, id, "${c.name}" FROM ${s.oracle}`,
  );
  return n === 0 ? undefined : `${n} rows out of place`;
}

/** The cells that failed, but those listed in `gaps` (`'<column> <op>'` → the refusal expected). */
export function failures(rows: MatrixRow[], gaps: Record<string, RegExp>): string[] {
  return rows
    .flatMap((m) => OPS.filter((op) => !['✓', '—'].includes(m.cells[op])).map((op) => ({ m, op })))
    .filter(({ m, op }) => !gaps[`${m.column} ${op}`]?.test(m.cells[op]))
    .map(({ m, op }) => `${m.column} (${m.type}) ${op}: ${m.cells[op]}`);
}

/** The matrix as a Markdown table. */
export function matrixTable(rows: MatrixRow[]): string {
  const lines = [`| source | column | DuckDB type | ${OPS.join(' | ')} |`, `|${'---|'.repeat(OPS.length + 3)}`];
  for (const m of rows) lines.push(`| ${m.source} | ${m.column} | ${m.type} | ${OPS.map((op) => m.cells[op]).join(' | ')} |`);
  return lines.join('\n');
}
