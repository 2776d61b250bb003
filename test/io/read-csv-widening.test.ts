import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { formatReport, run } from 'quiver-engine';
import { convertFiles } from '../../dist/src/coordinator/convert-files.js';
import { SAMPLE_RECORDS } from '../../dist/src/planner/csv.js';
import { duckRows, duckTypes } from '../helpers/duckdb.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const SUM_EXACT = path.join(ROOT, 'test/fixtures/jobs/sum-exact.ts');
// Just past the sample, so the values that do not fit are read by the tasks, not the planner.
const ROWS = SAMPLE_RECORDS + 600;
const late = (k: number) => SAMPLE_RECORDS + k;

/**
 * A CSV written by DuckDB whose columns look like int32, date and int32 in the sample, with values
 * past it that need int64 (past 2^31, then past 2^53), a timestamp and text. Nulls in every column.
 */
async function writeLateCsv(file: string): Promise<void> {
  await duckRows(`COPY (SELECT
      CASE WHEN i % 9 = 0 THEN NULL WHEN i = ${late(200)} THEN 3000000000 WHEN i = ${late(400)} THEN 9007199254740993 ELSE i END AS v,
      CASE WHEN i % 9 = 1 THEN NULL WHEN i = ${late(300)} THEN '2024-01-02 03:04:05' ELSE CAST(DATE '2000-01-01' + CAST(i % 5000 AS INTEGER) AS VARCHAR) END AS d,
      CASE WHEN i % 9 = 2 THEN NULL WHEN i = ${late(500)} THEN 'n/a' ELSE CAST(i % 100 AS VARCHAR) END AS z
    FROM range(${ROWS}) r(i)) TO '${file}'`);
}

describe('a value past the sample that does not fit its inferred type', () => {
  it("widens int32 to int64 for the run, which gets DuckDB's exact sum, and says where", async () => {
    const f = path.join(dir, 'late.csv');
    await writeLateCsv(f);
    const { value, report } = await run(SUM_EXACT, { input: f, workers: 2, params: { column: 'v' }, columns: ['v'] });
    const [ref] = await duckRows(
      `SELECT count(v) AS count, sum(v)::VARCHAR AS sum, min(v)::VARCHAR AS min, max(v)::VARCHAR AS max FROM read_csv('${f}', types={'v': 'BIGINT'})`,
    );
    expect(value).toEqual({ rows: ROWS, count: Number(ref!.count), sum: ref!.sum, min: ref!.min, max: ref!.max });
    // Only the columns the run reads are decoded, so only v widens; the header is line 1.
    expect(report.widened?.map((w) => ({ column: w.column, from: w.from, to: w.to, line: w.line, found: w.found }))).toEqual([
      { column: 'v', from: 'int32', to: 'int64', line: late(200) + 2, found: '"3000000000"' },
    ]);
    expect(formatReport(report)).toContain(
      `column v widened from int32 to int64 at ${f} line ${late(200) + 2} (value "3000000000"); the run restarted: ${report.tasks.map} map task`,
    );
  });

  it('widens every column that needs it when converting (int64, timestamp, text), and writes each row once', async () => {
    const f = path.join(dir, 'late2.csv');
    await writeLateCsv(f);
    const out = path.join(dir, 'late2.parquet');
    const { rows, report } = await convertFiles([f], out, { workers: 2 });
    expect(rows).toBe(ROWS);
    expect(Object.fromEntries((report.widened ?? []).map((w) => [w.column, `${w.from} → ${w.to}`]))).toEqual({
      v: 'int32 → int64',
      d: 'date → timestamp[us]',
      z: 'int32 → utf8',
    });
    expect(await duckTypes(`'${out}'`)).toEqual({ v: 'BIGINT', d: 'TIMESTAMP', z: 'VARCHAR' });
    const src = `read_csv('${f}', types={'v': 'BIGINT', 'd': 'TIMESTAMP', 'z': 'VARCHAR'})`;
    const stats = (from: string) =>
      duckRows(
        `SELECT count(*) AS n, count(v) AS nv, sum(v)::VARCHAR AS sv, count(d) AS nd, min(d)::VARCHAR AS mind, max(d)::VARCHAR AS maxd, count(z) AS nz, max(z) AS maxz FROM ${from}`,
      );
    expect(await stats(`'${out}'`)).toEqual(await stats(src));
  });

  it("widens a Polars-written Int64 column whose sample fits int32, to DuckDB's exact sum and extremes", async () => {
    const f = path.join(dir, 'polars-late.csv');
    const v = Array.from({ length: ROWS }, (_, i) =>
      i % 13 === 0 ? null : i === late(250) ? '-9223372036854775807' : i === late(260) ? '9007199254740993' : String(i),
    );
    pl.DataFrame({ v: pl.Series('v', v).cast(pl.Int64), s: v.map((x, i) => (i % 5 === 0 ? null : `s${x}`)) }).writeCSV(f);
    const { value, report } = await run(SUM_EXACT, { input: f, workers: 2, params: { column: 'v' } });
    const [ref] = await duckRows(
      `SELECT count(v) AS count, sum(v)::VARCHAR AS sum, min(v)::VARCHAR AS min, max(v)::VARCHAR AS max FROM read_csv('${f}', types={'v': 'BIGINT'})`,
    );
    expect(value).toEqual({ rows: ROWS, count: Number(ref!.count), sum: ref!.sum, min: ref!.min, max: ref!.max });
    expect(report.widened?.map((w) => `${w.column} ${w.from} → ${w.to} line ${w.line}`)).toEqual([`v int32 → int64 line ${late(250) + 2}`]);
  });

  it('is a bad record, not a widening, when the column type was given', async () => {
    const f = path.join(dir, 'late3.csv');
    await writeLateCsv(f);
    const err = await run(SUM_EXACT, {
      input: f,
      workers: 2,
      params: { column: 'v' },
      formatOptions: { columns: { types: [{ name: 'v', type: 'int32' }] } },
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(`late3.csv:${late(200) + 2}`);
    expect((err as Error).message).toContain('as given by --column or --schema');
  });
});
