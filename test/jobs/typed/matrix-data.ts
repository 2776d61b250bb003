import pl from 'nodejs-polars';
import { NUM, ORD, col, fromJson as nested, type Column } from './matrix.js';

/** Rows of every matrix file: small, so the matrix runs in seconds per source. */
export const ROWS = 240;

/**
 * DuckDB's time, timestamp (µs, ms, ns, zoned) and interval columns `t`, `ts`, `tsms`, `tsns`, `tstz`,
 * `iv` over `range(n) r(i)`, each null on rows of its own: shared with the formatting test's table.
 */
export const DUCK_TIMES_SQL = `CASE WHEN i % 8 = 2 THEN NULL ELSE TIME '00:00:00.000001' + to_microseconds((i % 37) * 1234567891) END AS t,
  CASE WHEN i % 8 = 3 THEN NULL ELSE TIMESTAMP '1969-12-31 23:59:59.123456' + to_microseconds((i % 41) * 98765432109) END AS ts,
  CASE WHEN i % 8 = 4 THEN NULL ELSE (TIMESTAMP '2020-02-29 12:00:00' + to_milliseconds((i % 43) * 123456789))::TIMESTAMP_MS END AS tsms,
  CASE WHEN i % 8 = 5 THEN NULL ELSE ('2001-02-03 04:05:06.' || lpad(((i % 47) * 7919)::VARCHAR, 9, '0'))::TIMESTAMP_NS END AS tsns,
  CASE WHEN i % 8 = 6 THEN NULL ELSE TIMESTAMPTZ '1999-12-31 23:00:00+00' + to_seconds((i % 53) * 86399) END AS tstz,
  CASE WHEN i % 8 = 7 THEN NULL ELSE to_months(i % 5) + to_days(i % 3) + to_milliseconds((i % 4) * 1500) END AS iv`;

/** DuckDB's table: every family, a null in every column (on rows of its own), 5 groups `g`, a row id. */
export const DUCK_SQL = `SELECT i::INTEGER AS id, (i % 5)::INTEGER AS g,
  CASE WHEN i % 7 = 1 THEN NULL ELSE (i % 200 - 100)::TINYINT END AS i8,
  CASE WHEN i % 7 = 2 THEN NULL ELSE (i % 250)::UTINYINT END AS u8,
  CASE WHEN i % 7 = 3 THEN NULL ELSE (i * 97 % 60000)::USMALLINT END AS u16,
  CASE WHEN i % 7 = 4 THEN NULL ELSE (i * 1000003 % 2000000000 - 1000000000)::INTEGER END AS i32,
  CASE WHEN i % 7 = 5 THEN NULL ELSE (4000000000 + i % 11)::UINTEGER END AS u32,
  CASE WHEN i % 7 = 6 THEN NULL ELSE 4611686018427387904 + (i * 7919) % 5000 - (i % 2) * 1099511627776 END::BIGINT AS i64,
  CASE WHEN i % 7 = 0 THEN NULL ELSE 18446744073709551000 + i % 13 END::UBIGINT AS u64,
  CASE WHEN i % 6 = 1 THEN NULL ELSE (i % 17) * 0.25 - 1 END::FLOAT AS f32,
  CASE WHEN i % 6 = 2 THEN NULL ELSE (i % 19) / 8 - 1 END::DOUBLE AS f64,
  CASE WHEN i % 6 = 3 THEN NULL ELSE ((i % 23) * 1.25 - 7)::DECIMAL(9,2) END AS dec,
  CASE WHEN i % 6 = 4 THEN NULL ELSE ((i % 29) * 12345678901.0123456789 - 1e11)::DECIMAL(38,10) END AS dec38,
  CASE WHEN i % 8 = 1 THEN NULL ELSE DATE '1969-12-25' + (i % 31)::INTEGER END AS d,
  ${DUCK_TIMES_SQL},
  CASE WHEN i % 9 = 1 THEN NULL ELSE ['', 'a', 'é', 'a,b', '05', 'line1' || chr(10) || 'line2'][(i % 6) + 1] END AS s,
  CASE WHEN i % 9 = 2 THEN NULL ELSE ['\\x00\\x01'::BLOB, 'ab'::BLOB, ''::BLOB, '\\xFF'::BLOB][(i % 4) + 1] END AS bl,
  CASE WHEN i % 9 = 3 THEN NULL ELSE ('01234567-89ab-cdef-0123-' || lpad((i % 7 * 1111)::VARCHAR, 12, '0'))::UUID END AS u,
  CASE WHEN i % 9 = 4 THEN NULL ELSE ['lo', 'mid', 'hi'][(i % 3) + 1]::ENUM('lo', 'mid', 'hi') END AS e,
  CASE WHEN i % 9 = 5 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 9 = 6 THEN NULL ELSE [i % 4, NULL, -1]::INTEGER[] END AS l,
  CASE WHEN i % 9 = 7 THEN NULL ELSE {'x': i % 5, 'y': 'v' || i % 3} END AS st,
  CASE WHEN i % 9 = 8 THEN NULL ELSE MAP {'k' || i % 3: i % 7} END AS m
FROM range(${ROWS}) r(i)`;

export const DUCK_COLUMNS: Column[] = [
  ...['i8', 'u8', 'u16', 'i32', 'u32', 'i64', 'u64'].map((n) => col(n, 'integers', NUM)),
  col('f32', 'floats, decimals', NUM),
  col('f64', 'floats, decimals', NUM),
  col('dec', 'floats, decimals', NUM),
  col('dec38', 'floats, decimals', NUM),
  ...['d', 't', 'ts', 'tsms', 'tsns', 'tstz', 'iv'].map((n) => col(n, 'temporal', ORD)),
  col('s', 'text, bytes'),
  col('bl', 'text, bytes'),
  col('u', 'text, bytes'),
  col('e', 'text, bytes'),
  col('b', 'bool, null', ORD),
  col('l', 'nested', [], { nested: true, fromText: nested }),
  col('st', 'nested', [], { nested: true, fromText: nested }),
  col('m', 'nested', [], { nested: true, fromText: nested }),
];

/** The columns DuckDB writes to CSV (the types CSV holds; nested ones do not round-trip through DuckDB's CSV). */
export const DUCK_CSV = ['id', 'g', 'i32', 'i64', 'f64', 'dec', 'd', 't', 'ts', 'tsns', 'tstz', 's', 'b'];

/** Polars' frame: its types (Int8–UInt64, Float32/64, Decimal, Date, Datetime µs/ns/zoned, Duration, Categorical, Null, List, Struct). */
export function polarsFrame(): pl.DataFrame {
  const idx = Array.from({ length: ROWS }, (_, i) => i);
  const at = (k: number, f: (i: number) => unknown) => idx.map((i) => (i % 7 === k ? null : f(i)));
  return pl
    .DataFrame({
      id: pl.Series('id', idx, pl.Int32),
      g: pl.Series(
        'g',
        idx.map((i) => i % 5),
        pl.Int32,
      ),
      i8: pl.Series(
        'i8',
        at(1, (i) => (i % 200) - 100),
        pl.Int8,
      ),
      u16: pl.Series(
        'u16',
        at(2, (i) => (i * 97) % 60000),
        pl.UInt16,
      ),
      i64: pl
        .Series(
          'i64',
          at(3, (i) => String(4611686018427387904n + BigInt((i * 7919) % 5000))),
        )
        .cast(pl.Int64),
      u64: pl
        .Series(
          'u64',
          at(4, (i) => String(18446744073709551000n + BigInt(i % 13))),
        )
        .cast(pl.UInt64),
      f32: pl.Series(
        'f32',
        at(5, (i) => (i % 17) * 0.25 - 1),
        pl.Float32,
      ),
      f64: pl.Series(
        'f64',
        at(6, (i) => (i % 19) / 8 - 1),
        pl.Float64,
      ),
      d: pl.Series(
        'd',
        at(0, (i) => new Date(Date.UTC(1969, 11, 25 + (i % 31)))),
        pl.Date,
      ),
      ts: pl.Series(
        'ts',
        at(1, (i) => new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 123) + (i % 41) * 98765432)),
        pl.Datetime('ms'),
      ),
      s: pl.Series(
        's',
        at(2, (i) => ['', 'a', 'é', 'a,b', '05', 'line1\nline2'][i % 6]),
        pl.Utf8,
      ),
      b: pl.Series(
        'b',
        at(3, (i) => i % 3 === 0),
        pl.Bool,
      ),
      tsns: pl
        .Series(
          'tsns',
          at(5, (i) => String(1700000000123456789n + BigInt(i) * 1000000007n)),
        )
        .cast(pl.Int64)
        .cast(pl.Datetime('ns')),
      l: pl.Series(
        'l',
        at(4, (i) => [i % 4, null, -1]),
        pl.List(pl.Int32),
      ),
    })
    .withColumns(
      pl.col('f64').mul(4).cast(pl.Decimal(10, 2)).alias('dec'),
      pl.col('ts').cast(pl.Datetime('us')).alias('tsus'),
      pl.col('ts').cast(pl.Datetime('us')).dt.replaceTimeZone('UTC').alias('tstz'),
      pl.col('i8').cast(pl.Int64).mul(3600001).cast(pl.Duration('ms')).alias('dur'),
      pl.col('s').cast(pl.Categorical).alias('cat'),
      pl.lit(null).alias('n'),
      pl
        .when(pl.col('id').modulo(7).eq(6))
        .then(pl.lit(null))
        .otherwise(pl.struct([pl.col('i8').alias('x'), pl.col('s').alias('y')]))
        .alias('st'),
    );
}

export const POLARS_COLUMNS: Column[] = [
  ...['i8', 'u16', 'i64', 'u64'].map((n) => col(n, 'integers', NUM)),
  col('f32', 'floats, decimals', NUM),
  col('f64', 'floats, decimals', NUM),
  col('dec', 'floats, decimals', NUM),
  ...['d', 'ts', 'tsus', 'tsns', 'tstz'].map((n) => col(n, 'temporal', ORD)),
  // Polars' Parquet keeps a Duration as its milliseconds (DuckDB: BIGINT); quiver reads and shows the Duration.
  col('dur', 'temporal', ORD, { fromText: (c) => `(epoch_ms(TIMESTAMP '1970-01-01' + CAST(${c} AS INTERVAL)))::BIGINT` }),
  col('s', 'text, bytes'),
  col('cat', 'text, bytes'),
  col('b', 'bool, null', ORD),
  col('n', 'bool, null'),
  col('l', 'nested', [], { nested: true, fromText: nested }),
  col('st', 'nested', [], { nested: true, fromText: nested }),
];
export const POLARS_CSV = ['id', 'g', 'i8', 'i64', 'f64', 'd', 'ts', 'tsus', 's', 'b'];
