import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrowStats, duckStats, type ColumnStats } from '../helpers/column-stats.js';
import { duckTypes } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';
import { TYPED_ARROW, TYPED_COLUMNS, quiverBatches, writeDuckTyped, writePolarsTyped } from '../helpers/typed-files.js';

const dir = tempDir();

/** Floats compare as numbers (DuckDB prints 0.0 where JS prints 0), everything else as exact text. */
function comparable(s: ColumnStats, float: boolean) {
  return float
    ? {
        ...s,
        sum: s.sum === null ? null : Number(s.sum),
        min: s.min === null ? null : Number(s.min),
        max: s.max === null ? null : Number(s.max),
      }
    : s;
}

/** DuckDB's reading of a typed CSV, its types given where its sniffer would differ by design (zip codes, ns). */
const duckCsv = (f: string) => `read_csv('${f}', types={'zip': 'VARCHAR', 'i': 'INTEGER', 'tsns': 'TIMESTAMP_NS'})`;

describe('CSV type inference on files DuckDB and Polars wrote', () => {
  for (const writer of ['DuckDB', 'Polars'] as const) {
    it(`infers every column of a ${writer} CSV (leading zeros stay text, int64 past 2^53, dates, µs/UTC/ns timestamps) and reads DuckDB's values`, async () => {
      const csv = path.join(dir, `${writer}.csv`);
      const ndjson = path.join(dir, `${writer}.ndjson`);
      if (writer === 'DuckDB') await writeDuckTyped(csv, ndjson);
      else writePolarsTyped(csv, ndjson);
      const { batches, types } = await quiverBatches(csv);
      expect(types).toEqual(TYPED_ARROW);
      // Where quiver agrees with DuckDB's own sniffer by design, it infers the same type.
      const duck = await duckTypes(`read_csv('${csv}')`);
      expect({ big: duck.big, f: duck.f, b: duck.b, d: duck.d, ts: duck.ts, tsz: duck.tsz }).toEqual({
        big: 'BIGINT',
        f: 'DOUBLE',
        b: 'BOOLEAN',
        d: 'DATE',
        ts: 'TIMESTAMP',
        tsz: 'TIMESTAMP WITH TIME ZONE',
      });
      for (const [column, kind] of Object.entries(TYPED_COLUMNS)) {
        const want = await duckStats(duckCsv(csv), column, kind);
        expect(comparable(arrowStats(batches, column, kind), kind === 'float'), column).toEqual(comparable(want, kind === 'float'));
      }
    });
  }

  it('reads every ISO spelling of a timestamp to the instant DuckDB reads', async () => {
    const spellings = [
      [
        '2024-01-02 03:04:05',
        '2024-01-02T03:04:05',
        '2024-01-02 03:04',
        '2024-01-02T03:04:05.5',
        '2024-01-02 03:04:05.123456',
        '1969-12-31 23:59:59.999999',
        '2024-01-02',
      ],
      [
        '2024-01-02 03:04:05Z',
        '2024-01-02T03:04:05+01:00',
        '2024-01-02T03:04:05.25-0530',
        '2024-01-02 03:04:05+00',
        '1969-12-31T23:59:59.999999Z',
        '2024-02-29T12:00:00+14:00',
      ],
      ['2024-01-02 03:04:05.123456789', '2024-01-02T03:04:05.1', '1969-12-31 23:59:59.999999999'],
    ];
    const units = ['Timestamp<MICROSECOND>', 'Timestamp<MICROSECOND, UTC>', 'Timestamp<NANOSECOND>'];
    for (const [k, values] of spellings.entries()) {
      const f = path.join(dir, `spell${k}.csv`);
      await import('node:fs').then((fs) => fs.writeFileSync(f, ['t', ...values, ''].join('\n') + '\n'));
      const { batches, types } = await quiverBatches(f);
      expect(types.t, values.join(' | ')).toBe(units[k]);
      const kind = k === 2 ? 'ts_ns' : 'ts_us';
      const duckType = k === 0 ? 'TIMESTAMP' : k === 1 ? 'TIMESTAMPTZ' : 'TIMESTAMP_NS';
      expect(arrowStats(batches, 't', kind)).toEqual(await duckStats(`read_csv('${f}', types={'t': '${duckType}'})`, 't', kind));
    }
  });

  it('keeps mixed offset and naive timestamps, and impossible dates, as text', async () => {
    const fs = await import('node:fs');
    const f = path.join(dir, 'mixed.csv');
    fs.writeFileSync(f, 'a,b,c\n2024-01-02 03:04:05,2024-02-30,00501\n2024-01-02 03:04:05Z,2024-01-01,501\n');
    const { types } = await quiverBatches(f);
    expect(types).toEqual({ a: 'Utf8', b: 'Utf8', c: 'Utf8' });
  });
});
