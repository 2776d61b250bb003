import { describe, expect, it } from 'vitest';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { writeTypedFiles, type TypedFiles } from './typed/fixtures.js';
import { duckdb, tableRows } from './typed/oracle.js';

/**
 * histogram of 64-bit integer columns (UInt64 near 2^64, Int64 near 2^62, TIMESTAMP in µs and ns) on
 * files DuckDB and Polars wrote, against DuckDB's integer arithmetic on the same file: with min and
 * max, least(bins − 1, (x − min) · bins // (max − min)) in HUGEINT; fitted, x // w for the job's
 * power-of-two width w. Every non-empty bin's count compared exactly.
 */

const dir = tempDir('quiver-histogram-types-');
const db = duckdb();
const engines = enginesFor([1, 2]);
let files: TypedFiles;

/** The non-empty bins of a result as [bin index i (lo ÷ width), count], as text. */
function binsOf(rows: Array<Array<string | number | boolean | null>>, width: bigint): string[][] {
  return rows.filter((r) => r[3] !== '0').map((r) => [(BigInt(String(r[1])) / width).toString(), String(r[3])]);
}

describe('histogram over 64-bit integer columns', () => {
  it('writes the files', async () => {
    files = await writeTypedFiles(dir, db.run);
    expect(files.duckParquet).toMatch(/duck\.parquet$/);
  });

  // [column, SQL for its integer value, file, SQL file]
  const columns = () =>
    [
      ['v_u64', 'v_u64', files.duckParquet, files.duckParquet],
      ['k_u64', 'k_u64', files.duckParquet, files.duckParquet],
      ['v_i64', 'v_i64', files.polarsArrow, files.polarsParquet],
      ['v_ts', 'epoch_us(v_ts)', files.duckParquet, files.duckParquet],
      ['tsns', 'epoch_ns(tsns)', files.polarsArrow, files.polarsParquet],
    ] as const;

  for (const bins of [5, 20]) {
    it(`fits power-of-two bins (at most ${bins}) and counts every value exactly`, async () => {
      for (const [column, value, file, sqlFile] of columns()) {
        for (const [workers, engine] of engines) {
          const { table } = await engine.run('histogram', { input: file, params: { column, bins }, batchRows: 300 });
          const rows = tableRows(table);
          expect(rows.length, column).toBeGreaterThan(0);
          expect(rows.length, column).toBeLessThanOrEqual(bins);
          expect(String(table.schema.fields[1]!.type), column).toBe('Decimal[38e0]');
          const width = BigInt(String(rows[0]![2])) - BigInt(String(rows[0]![1]));
          expect(width & (width - 1n), `${column}: width ${width} is a power of two`).toBe(0n);
          const want = await db.sql(
            `SELECT (${value}::HUGEINT // ${width})::VARCHAR AS i, count(*)::VARCHAR FROM read_parquet('${sqlFile}') WHERE ${column} IS NOT NULL GROUP BY i ORDER BY i::HUGEINT`,
          );
          expect(binsOf(rows, width), `${column}, ${workers} worker(s)`).toEqual(want.map((r) => r.map(String)));
          // And the width is the least that fits: half of it would need more bins.
          const [{ 0: span }] = (await db.sql(
            `SELECT (max(${value}::HUGEINT // ${width / 2n}) - min(${value}::HUGEINT // ${width / 2n}) + 1)::VARCHAR FROM read_parquet('${sqlFile}')`,
          )) as unknown as [[string]];
          if (width > 1n) expect(BigInt(span), column).toBeGreaterThan(BigInt(bins));
        }
      }
    });
  }

  it('counts fixed bins over [min, max] in integer arithmetic', async () => {
    const cases = [
      ['v_u64', files.duckParquet, 18000000000000000100n, 18000000000000020000n],
      ['v_i64', files.polarsArrow, 4611686018427387904n + 5n * 1234567891n, 4611686018427387904n + 2500n * 1234567891n],
    ] as const;
    for (const [column, file, min, max] of cases) {
      const { table } = await engines
        .get(2)!
        .run('histogram', { input: file, params: { column, bins: 7, min: String(min), max: String(max) }, batchRows: 300 });
      const got = tableRows(table).map((r) => [String(r[0]), String(r[3])]);
      const sqlFile = file === files.polarsArrow ? files.polarsParquet : files.duckParquet;
      const want = await db.sql(
        `SELECT b::VARCHAR, count(*)::VARCHAR FROM (SELECT least(6, ((${column}::HUGEINT - ${min}) * 7) // (${max - min}::HUGEINT)) AS b FROM read_parquet('${sqlFile}') ` +
          `WHERE ${column} BETWEEN ${min} AND ${max}) GROUP BY b ORDER BY b`,
      );
      expect(
        got.filter((r) => r[1] !== '0'),
        column,
      ).toEqual(want.map((r) => r.map(String)));
      expect(got.length).toBe(7);
    }
  });

  it('refuses a fractional min for a 64-bit column', async () => {
    await expect(
      engines.get(1)!.run('histogram', { input: files.duckParquet, params: { column: 'v_i64', min: '0.5', max: '10' } }),
    ).rejects.toThrow(/--param min must be an integer for the 64-bit integer column "v_i64"/);
  });
});
