import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { arrowStats, duckStats } from '../helpers/column-stats.js';
import { tempDir } from '../helpers/tmp.js';
import { TYPED_ARROW, TYPED_COLUMNS, quiverBatches, writeDuckTyped, writePolarsTyped } from '../helpers/typed-files.js';

const dir = tempDir();
const duckJson = (f: string) =>
  `read_json('${f}', columns={zip: 'VARCHAR', i: 'INTEGER', big: 'BIGINT', f: 'DOUBLE', b: 'BOOLEAN', d: 'DATE', ts: 'TIMESTAMP', tsz: 'TIMESTAMPTZ', tsns: 'TIMESTAMP_NS'})`;

describe('NDJSON type inference on files DuckDB and Polars wrote', () => {
  for (const writer of ['DuckDB', 'Polars'] as const) {
    it(`infers every column of ${writer}'s JSON lines (strings stay strings, int64 exact past 2^53, dates and timestamps in strings) and reads DuckDB's values`, async () => {
      const csv = path.join(dir, `${writer}.csv`);
      const ndjson = path.join(dir, `${writer}.ndjson`);
      if (writer === 'DuckDB') await writeDuckTyped(csv, ndjson);
      else writePolarsTyped(csv, ndjson);
      const { batches, types } = await quiverBatches(ndjson);
      // Polars writes ns timestamps in JSON with as many digits as they need (here milliseconds): µs is what the text shows.
      expect(types).toEqual(writer === 'Polars' ? { ...TYPED_ARROW, tsns: 'Timestamp<MICROSECOND>' } : TYPED_ARROW);
      for (const [column, kind] of Object.entries(TYPED_COLUMNS)) {
        const k = writer === 'Polars' && column === 'tsns' ? 'ts_us' : kind;
        const got = arrowStats(batches, column, k);
        const want = await duckStats(duckJson(ndjson), column, k);
        if (k === 'float')
          expect([got.count, Number(got.sum), Number(got.min), Number(got.max)], column).toEqual([
            want.count,
            Number(want.sum),
            Number(want.min),
            Number(want.max),
          ]);
        else expect(got, column).toEqual(want);
      }
    });
  }

  it('keeps integers past 2^53 exact, whatever else is on the line', async () => {
    const f = path.join(dir, 'big.ndjson');
    writeFileSync(
      f,
      [
        '{"n": 9007199254740993, "s": "9007199254740993 in a string", "x": 0.12345678901234567}',
        '{"n": -9223372036854775808, "s": "a \\" quote", "x": 1e300}',
        '{"n": 12, "s": null, "x": -12345678901234567890.5}',
      ].join('\n') + '\n',
    );
    const { batches, types } = await quiverBatches(f);
    expect(types).toEqual({ n: 'Int64', s: 'Utf8', x: 'Float64' });
    expect(arrowStats(batches, 'n', 'int')).toEqual(
      await duckStats(`read_json('${f}', columns={n: 'BIGINT', s: 'VARCHAR', x: 'DOUBLE'})`, 'n', 'int'),
    );
    expect(batches[0]!.getChild('s')!.toArray()).toEqual(['9007199254740993 in a string', 'a " quote', null]);
  });

  it('reads integers past BIGINT that are never negative as UInt64, exactly (DuckDB: HUGEINT); with a negative, as doubles', async () => {
    const f = path.join(dir, 'u64.ndjson');
    writeFileSync(
      f,
      ['{"u": 18446744073709551615, "m": 18446744073709551615}', '{"u": 7, "m": -1}', '{"u": null, "m": 2}'].join('\n') + '\n',
    );
    const { batches, types } = await quiverBatches(f);
    expect(types).toEqual({ u: 'Uint64', m: 'Float64' });
    expect(arrowStats(batches, 'u', 'int')).toEqual(await duckStats(`read_json('${f}', columns={u: 'UBIGINT', m: 'DOUBLE'})`, 'u', 'int'));
  });
});
