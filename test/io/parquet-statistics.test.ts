import { readFileSync } from 'node:fs';
import path from 'node:path';
import { makeData, Date_, DateUnit, Float32, Float64, Int8, Int32, Int64 } from 'apache-arrow';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { chunkBounds, outOfBounds } from '../../dist/src/io/parquet-statistics.js';
import { readParquetSplit } from '../../dist/src/io/read-parquet.js';
import { makePlan } from '../../dist/src/planner/plan.js';
import { duckRows } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';

// The column chunk statistics the Parquet reader checks decoded values against (fuzz seed 5, case 693):
// which ones are trusted, against DuckDB's own reading of the footer, and that no valid file of DuckDB's
// or Polars' (nulls, NaN, -0, all-null and constant chunks, several row groups) is refused.
const dir = tempDir();

function footerOf(file: string): Uint8Array {
  const b = readFileSync(file);
  const length = b.readUInt32LE(b.length - 8);
  return b.subarray(b.length - 8 - length, b.length - 8);
}

async function readRows(file: string): Promise<number> {
  let rows = 0;
  for (const split of (await makePlan({ inputs: [file], workers: 1, splitBytes: 1 })).splits)
    for (const b of await readParquetSplit(split as never, 1000)) rows += b.numRows;
  return rows;
}

/** DuckDB's text of a float statistic as the value it stands for (a FLOAT's is its shortest decimal). */
const rounded = (column: string, text: string | null) => (column.startsWith('f32') ? Math.fround(Number(text)) : Number(text));
const nul = (e: string) => `CASE WHEN i % 9 = 4 THEN NULL ELSE ${e} END`;

describe('chunkBounds on files DuckDB and Polars write', () => {
  it("DuckDB's: signed integers, floats and dates are bounded by its own statistics; unsigned and text are not", async () => {
    const file = path.join(dir, 'duck.parquet');
    // DuckDB writes no float statistics for a chunk with NaN: NaN only in the first row group.
    const floatOf = (t: string) =>
      nul(`CASE WHEN i % 11 = 0 AND i < 2048 THEN 'NaN'::${t} WHEN i % 13 = 0 THEN '-0.0'::${t} ELSE (i / 7 - 300)::${t} END`);
    await duckRows(
      `COPY (SELECT ${nul('(i % 5 - 2)::TINYINT')} AS i8, ${nul('(i * 7 - 3000)::SMALLINT')} AS i16, ` +
        `${nul('(i * 100003 - 250000000)::INTEGER')} AS i32, ${nul('(i::BIGINT * 3000000011 - 7500000000000)')} AS i64, ` +
        `${floatOf('FLOAT')} AS f32, ${floatOf('DOUBLE')} AS f64, ${nul("DATE '1960-01-01' + i::INTEGER")} AS dt, ` +
        `NULL::INTEGER AS none, ${nul('42::BIGINT')} AS same, ${nul('i::UINTEGER')} AS u32, ${nul("'s' || i")} AS s ` +
        `FROM range(5000) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
    );
    const bounds = chunkBounds(footerOf(file));
    const stats = await duckRows(
      `SELECT row_group_id AS g, path_in_schema AS c, stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata('${file}')`,
    );
    expect(bounds.length).toBe(3);
    expect(bounds.map((g) => g.size)).toEqual([6, 8, 8]); // i8 i16 i32 i64 dt same, and f32 f64 where no NaN
    for (const { g, c, lo, hi } of stats as Array<{ g: string; c: string; lo: string | null; hi: string | null }>) {
      const b = bounds[Number(g)]!.get(c);
      if (['i8', 'i16', 'i32', 'i64', 'same'].includes(c)) expect([String(b?.min), String(b?.max)]).toEqual([lo, hi]);
      else if ((c === 'f32' || c === 'f64') && lo === null) expect(b).toBeUndefined();
      else if (c === 'f32' || c === 'f64') expect([b?.min, b?.max]).toEqual([rounded(c, lo), rounded(c, hi)]);
      else if (c === 'dt') expect(b?.kind).toBe('int32');
      else expect(b).toBeUndefined(); // none (all null: no statistics), u32 (unsigned), s (text)
    }
    expect(await readRows(file)).toBe(5000);
  });

  it("Polars': every numeric type with nulls, NaN and -0 reads without a false alarm", async () => {
    const file = path.join(dir, 'polars.parquet');
    const n = 3000;
    const col = <T>(f: (i: number) => T) => Array.from({ length: n }, (_, i) => (i % 9 === 4 ? null : f(i)));
    const float = (i: number) => (i % 11 === 0 ? Number.NaN : i % 13 === 0 ? -0 : i / 7 - 100);
    pl.DataFrame([
      pl.Series(
        'i8',
        col((i) => (i % 200) - 100),
        pl.Int8,
      ),
      pl.Series(
        'i16',
        col((i) => i * 7 - 9000),
        pl.Int16,
      ),
      pl.Series(
        'i32',
        col((i) => i * 100003 - 150000000),
        pl.Int32,
      ),
      pl.Series(
        'i64',
        col((i) => i * 3000011 - 4500000000),
        pl.Int64,
      ), // across 32-bit halves
      pl.Series('f32', col(float), pl.Float32),
      pl.Series('f64', col(float), pl.Float64),
      // Polars writes no float statistics for a chunk with NaN: these have -0 and no NaN.
      pl.Series(
        'f32z',
        col((i) => (i % 13 === 0 ? -0 : i / 7)),
        pl.Float32,
      ),
      pl.Series(
        'f64z',
        col((i) => (i % 13 === 0 ? -0 : i / 7 - 100)),
        pl.Float64,
      ),
      pl.Series(
        'same',
        col(() => 5),
        pl.Int32,
      ),
      pl.Series(
        'none',
        col(() => null),
        pl.Float64,
      ),
      pl.Series(
        'u64',
        col((i) => i),
        pl.UInt64,
      ),
    ]).writeParquet(file);
    const bounds = chunkBounds(footerOf(file));
    expect([...bounds[0]!.keys()].sort()).toEqual(['f32z', 'f64z', 'i16', 'i32', 'i64', 'i8', 'same']);
    const stats = await duckRows(
      `SELECT path_in_schema AS c, stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata('${file}')`,
    );
    for (const { c, lo, hi } of stats as Array<{ c: string; lo: string | null; hi: string | null }>) {
      const b = bounds.find((g) => g.has(c))?.get(c);
      if (c === 'none' || c === 'u64' || lo === null) expect(b).toBeUndefined();
      else if (c.startsWith('f')) expect([b?.min, b?.max]).toEqual([rounded(c, lo), rounded(c, hi)]);
      else expect([String(b?.min), String(b?.max)]).toEqual([lo, hi]);
    }
    expect(await readRows(file)).toBe(n);
  });
});

describe('outOfBounds', () => {
  const reference = (values: ArrayLike<number | bigint>, valid: boolean[], lo: number | bigint, hi: number | bigint) => {
    for (let i = 0; i < values.length; i++) if (valid[i] && (values[i]! < lo || values[i]! > hi)) return i;
    return undefined;
  };
  const bitmap = (valid: boolean[]) =>
    Uint8Array.from({ length: Math.ceil(valid.length / 8) }, (_, k) => {
      let byte = 0;
      for (let j = 0; j < 8; j++) if (valid[k * 8 + j]) byte |= 1 << j;
      return byte;
    });

  it('finds the first non-null 64-bit value outside the bounds, across the 32-bit halves, as a BigInt comparison does', () => {
    const min = -4294967297n; // hi -2, lo 0xffffffff
    const max = 8589934592n; // hi 2, lo 0
    const int64 = (lo: bigint, hi: bigint) => {
      const b = Buffer.alloc(16);
      b.writeBigInt64LE(lo), b.writeBigInt64LE(hi, 8);
      return {
        kind: 'int64' as const,
        min: lo,
        max: hi,
        minHi: b.readInt32LE(4),
        minLo: b.readUInt32LE(0),
        maxHi: b.readInt32LE(12),
        maxLo: b.readUInt32LE(8),
      };
    };
    const picks = [min, max, min - 1n, max + 1n, 0n, -1n, 4294967296n, -4294967296n, 2n ** 62n, -(2n ** 62n)];
    for (let trial = 0; trial < 200; trial++) {
      const values = BigInt64Array.from(
        { length: 40 },
        (_, i) => picks[(i * 7 + trial * 13) % picks.length]! * (trial % 5 === 0 ? 0n : 1n),
      );
      const valid = Array.from({ length: 40 }, (_, i) => (i + trial) % 4 !== 0);
      const data = makeData({ type: new Int64(), length: 40, data: values, nullBitmap: bitmap(valid) });
      expect(outOfBounds(data, int64(min, max))?.index).toBe(reference(values, valid, min, max));
    }
  });

  it('passes NaN, equal zeros and null slots; refuses a value past either bound', () => {
    const values = Float64Array.from([0, -0, Number.NaN, 5, 99, -1e300]);
    const valid = [true, true, true, true, false, true];
    const b = { kind: 'double' as const, min: 0, max: 5 };
    expect(outOfBounds(makeData({ type: new Float64(), length: 6, data: values, nullBitmap: bitmap(valid) }), b)).toEqual({
      index: 5,
      value: '-1e+300',
    });
    expect(outOfBounds(makeData({ type: new Float64(), length: 5, data: values, nullBitmap: bitmap(valid) }), b)).toBeUndefined();
    const f32 = Float32Array.from([1, 2, 3.5]);
    expect(outOfBounds(makeData({ type: new Float32(), length: 3, data: f32 }), { kind: 'float', min: 1, max: 3 })?.index).toBe(2);
    expect(
      outOfBounds(makeData({ type: new Int8(), length: 3, data: Int8Array.from([-3, 0, 7]) }), { kind: 'int32', min: -3, max: 6 })?.index,
    ).toBe(2);
    const days = Int32Array.from([10, 20, 30]);
    expect(
      outOfBounds(makeData({ type: new Date_(DateUnit.DAY), length: 3, data: days }), { kind: 'int32', min: 10, max: 29 })?.index,
    ).toBe(2);
    // Int32 (a loop of its own): a null slot out of bounds is passed over, the next value out is found.
    const ints = Int32Array.from([1, 500, 2, -7, 3]);
    const someNull = bitmap([true, false, true, true, true]);
    expect(
      outOfBounds(makeData({ type: new Int32(), length: 5, data: ints, nullBitmap: someNull }), { kind: 'int32', min: 0, max: 9 }),
    ).toEqual({
      index: 3,
      value: '-7',
    });
    // A type the bounds do not describe (a double's bounds on a Float32 column) is not judged.
    expect(outOfBounds(makeData({ type: new Float32(), length: 3, data: f32 }), b)).toBeUndefined();
  });
});
