import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Message } from 'apache-arrow';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { duckRows } from '../helpers/duckdb.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// `quiver convert … x.arrow | x.arrows` copies the workers' IPC part files message by message
// (src/io/arrow-parts.ts) instead of decoding and encoding every batch again. Judged by Polars'
// own IPC reader (not Arrow JS, which wrote the parts): the file's footer, the stream's messages and
// every value and row order equal Polars' reading of the Parquet file DuckDB wrote.

const dir = tempDir();
const file = (name: string) => path.join(dir, name);

const SQL = `SELECT i::INTEGER AS id,
  CASE WHEN i % 7 = 1 THEN NULL ELSE (i * 7919 % 100000 - 50000)::BIGINT END AS i64,
  CASE WHEN i % 7 = 2 THEN NULL ELSE i / 8 - 3.25 END::DOUBLE AS f64,
  CASE WHEN i % 7 = 3 THEN NULL ELSE ((i % 23) * 1.25 - 7)::DECIMAL(9,2) END AS dec,
  CASE WHEN i % 7 = 4 THEN NULL ELSE DATE '1969-12-25' + (i % 400)::INTEGER END AS d,
  CASE WHEN i % 7 = 5 THEN NULL ELSE TIMESTAMP '1999-12-31 23:59:59.123456' + to_seconds(i * 37) END AS ts,
  CASE WHEN i % 7 = 6 THEN NULL ELSE ['', 'a', 'é,"x"', 'a string longer than twelve bytes'][i % 4 + 1] END AS s,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i % 3 = 0 END AS b,
  CASE WHEN i % 5 = 0 THEN NULL ELSE [i % 4, NULL, -1]::INTEGER[] END AS l
FROM range(5000) r(i)`;

/** A frame as comparable rows (Polars' own values; decimals, which it does not hand to JS, and bigints as text). */
const rowsOf = (df: pl.DataFrame) =>
  JSON.stringify(df.withColumns(pl.col('dec').cast(pl.Utf8)).toRecords(), (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe('convert to Arrow copies the part files message by message', () => {
  // nodejs-polars reads a path only when it ends in .ipc (else it takes the string for the bytes): the bytes are handed over.
  it('Arrow file and stream: every value, null and row in order, read back by Polars; the file has its footer', async () => {
    // Small row groups and splits: many parts, each a run of streams, assembled in split order.
    await duckRows(`COPY (${SQL}) TO '${file('in.parquet')}' (ROW_GROUP_SIZE 300)`);
    const expected = rowsOf(pl.readParquet(file('in.parquet')));
    for (const out of ['out.arrow', 'out.arrows']) {
      const r = await runCli(['convert', file('in.parquet'), file(out), '-q', '-w', '2', '--split-size', '20000']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
    expect(rowsOf(pl.readIPC(readFileSync(file('out.arrow'))))).toBe(expected);
    expect(rowsOf(pl.readIPCStream(readFileSync(file('out.arrows'))))).toBe(expected);
    // A file: magic, the stream (its schema message first, as pyarrow writes it), footer, its length, magic.
    const bytes = readFileSync(file('out.arrow'));
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('ARROW1\0\0');
    expect(bytes.subarray(-6).toString('latin1')).toBe('ARROW1');
    expect(bytes.readInt32LE(bytes.length - 10)).toBeGreaterThan(0);
    // The copied stream's schema message comes first (Arrow JS's file writer, the fallback, writes none).
    expect(Message.decode(bytes.subarray(16, 16 + bytes.readInt32LE(12))).isSchema()).toBe(true);
  }, 120_000);
});
