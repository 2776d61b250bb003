import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrowTypeOf, parseColumnFlags, parseColumnType } from '../../dist/src/io/column-types.js';
import { runCli } from '../helpers/cli.js';
import { duckRows, duckTypes } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

describe('column type names (--column, --schema)', () => {
  it("accepts every type name, in quiver's spelling and DuckDB's", () => {
    const want: Record<string, string> = {
      int8: 'Int8',
      tinyint: 'Int8',
      int16: 'Int16',
      int32: 'Int32',
      integer: 'Int32',
      int64: 'Int64',
      BIGINT: 'Int64',
      uint8: 'Uint8',
      uint16: 'Uint16',
      uint32: 'Uint32',
      uint64: 'Uint64',
      UBIGINT: 'Uint64',
      float32: 'Float32',
      real: 'Float32',
      float64: 'Float64',
      double: 'Float64',
      bool: 'Bool',
      boolean: 'Bool',
      utf8: 'Utf8',
      string: 'Utf8',
      VARCHAR: 'Utf8',
      dict: 'Dictionary<Int32, Utf8>',
      date: 'Date32<DAY>',
      time: 'Time64<MICROSECOND>',
      timestamp: 'Timestamp<MICROSECOND>',
      'timestamp[us]': 'Timestamp<MICROSECOND>',
      'timestamp[ns]': 'Timestamp<NANOSECOND>',
      'timestamp[ms]': 'Timestamp<MILLISECOND>',
      'timestamp[s]': 'Timestamp<SECOND>',
      'timestamp[ns, UTC]': 'Timestamp<NANOSECOND, UTC>',
      'timestamp[us, utc]': 'Timestamp<MICROSECOND, UTC>',
      TIMESTAMPTZ: 'Timestamp<MICROSECOND, UTC>',
      'timestamp[ms, Europe/Paris]': 'Timestamp<MILLISECOND, Europe/Paris>',
      TIMESTAMP_NS: 'Timestamp<NANOSECOND>',
      'decimal(15,2)': 'Decimal[15e+2]',
      'DECIMAL(38, 10)': 'Decimal[38e+10]',
      'numeric(5)': 'Decimal[5e0]',
    };
    const got = Object.fromEntries(Object.keys(want).map((name) => [name, String(arrowTypeOf(parseColumnType(name)))]));
    expect(got).toEqual(want);
    expect(parseColumnFlags(['price:decimal(15,2)', 'a:b:int64', 'at:timestamp[ns, UTC]'])).toEqual([
      { name: 'price', type: 'decimal(15,2)' },
      { name: 'a:b', type: 'int64' },
      { name: 'at', type: 'timestamp[ns, UTC]' },
    ]);
  });

  it('rejects an unknown name or an impossible decimal with the list of valid names', () => {
    expect(() => parseColumnType('integr')).toThrow(
      /unknown column type "integr"; use one of int8, .*int64.*timestamp\[us, UTC\].*decimal\(p,s\)/,
    );
    expect(() => parseColumnType('decimal(40,2)')).toThrow(/precision 1 to 38/);
    expect(() => parseColumnType('decimal(5,6)')).toThrow(/scale 0 to the precision/);
  });

  it('converts a DuckDB CSV with --column decimal, time, uint8, float32, timestamp[ns, UTC] and uint64 to the values DuckDB reads', async () => {
    await duckRows("SET TimeZone='UTC'");
    const f = path.join(dir, 'types.csv');
    const out = path.join(dir, 'types.parquet');
    await duckRows(`COPY (SELECT
        CASE WHEN i % 5 = 0 THEN NULL ELSE CAST(i * 123.45 - 5000 AS DECIMAL(15,2)) END AS dec,
        CASE WHEN i % 5 = 1 THEN NULL ELSE TIME '00:00:00' + to_microseconds(i * 1234567) END AS t,
        CASE WHEN i % 5 = 2 THEN NULL ELSE CAST(i % 256 AS UTINYINT) END AS u,
        CASE WHEN i % 5 = 3 THEN NULL ELSE CAST(i / 3 AS REAL) END AS r,
        CASE WHEN i % 5 = 4 THEN NULL ELSE TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_microseconds(i * 1000001) END AS tz,
        CASE WHEN i % 6 = 4 THEN NULL ELSE CAST(i * 100000000000000 AS UBIGINT) END AS ub
      FROM range(1000) r(i)) TO '${f}'`);
    const r = await runCli([
      'convert',
      f,
      out,
      '--column',
      'dec:decimal(15,2)',
      '--column',
      't:time',
      '--column',
      'u:uint8',
      '--column',
      'r:float32',
      '--column',
      'tz:timestamp[ns, UTC]',
      '--column',
      'ub:UBIGINT',
    ]);
    expect(r.stderr).toMatch(/^converted 1,000 rows/);
    expect(r.status).toBe(0);
    expect(await duckTypes(`'${out}'`)).toEqual({
      dec: 'DECIMAL(15,2)',
      t: 'TIME',
      u: 'UTINYINT',
      r: 'FLOAT',
      tz: 'TIMESTAMP WITH TIME ZONE',
      ub: 'UBIGINT',
    });
    const stats = (from: string) =>
      duckRows(
        `SELECT count(dec) AS n1, sum(dec)::VARCHAR AS dec, min(t)::VARCHAR AS tmin, max(t)::VARCHAR AS tmax, sum(u)::VARCHAR AS u, sum(r)::VARCHAR AS r, min(tz)::VARCHAR AS tzmin, max(tz)::VARCHAR AS tzmax, sum(ub)::VARCHAR AS ub, count(ub) AS n2 FROM ${from}`,
      );
    expect(await stats(`'${out}'`)).toEqual(
      await stats(
        `read_csv('${f}', types={'dec': 'DECIMAL(15,2)', 't': 'TIME', 'u': 'UTINYINT', 'r': 'REAL', 'tz': 'TIMESTAMPTZ', 'ub': 'UBIGINT'})`,
      ),
    );
  });

  it('says which value does not fit a given type, and where', async () => {
    const f = path.join(dir, 'bad.csv');
    writeFileSync(f, 'a,b\n1,2024-01-01\n300,2024-01-02\n');
    const r = await runCli(['convert', f, path.join(dir, 'bad.parquet'), '--column', 'a:uint8']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.csv:3.*column "a".*an integer that fits uint8.*found "300"/s);
  });
});
