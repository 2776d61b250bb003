import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Field, FixedSizeBinary, Schema, Table, makeData, RecordBatch, Struct, tableToIPC } from 'apache-arrow';
import pl from 'nodejs-polars';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// What `quiver inspect` (and so the stdout table of `quiver run`, the same formatter) shows for
// files DuckDB and Polars wrote: the text DuckDB writes for each value, one line per row.

const dir = tempDir();
const file = (name: string) => path.join(dir, name);

/** The `first rows` table of `quiver inspect`: header, rule, rows. */
async function inspectRows(f: string): Promise<string[]> {
  const r = await runCli(['inspect', f]);
  expect(r.stderr).toBe('');
  return r.stdout.split('first rows')[1]!.trim().split('\n');
}

beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT * FROM (VALUES
      (1, 9007199254740993::BIGINT, 1.02::DECIMAL(15,2), DATE '2020-01-31', TIME '12:34:56', TIMESTAMP_NS '2020-01-31 12:34:56.123456789', TIMESTAMPTZ '2020-01-31 12:34:56.789+00', '\\x00\\x30AB'::BLOB, [1, 2, NULL], {'x': 1, 'y': 'a"b'}, 'line1
line2'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) v(id, i64, dec, d, t, tsns, tstz, b, l, st, s))
    TO '${file('duck.parquet')}'`);
  con.closeSync();
  db.closeSync();
});

describe('quiver inspect shows every type as DuckDB writes it', () => {
  it('a DuckDB Parquet file: exact integers and decimals, ISO dates and ns timestamps, bytes, nested JSON, escaped newlines, NULL', async () => {
    const [header, , first, second, footer] = await inspectRows(file('duck.parquet'));
    const cells = first!.trim().split(/\s{2,}/);
    expect(header!.trim().split(/\s+/)).toEqual(['id', 'i64', 'dec', 'd', 't', 'tsns', 'tstz', 'b', 'l', 'st', 's']);
    expect(cells).toEqual([
      '1',
      '9007199254740993',
      '1.02',
      '2020-01-31',
      '12:34:56',
      '2020-01-31 12:34:56.123456789',
      '2020-01-31 12:34:56.789+00',
      '\\x000AB',
      '[1,2,null]',
      '{"x":1,"y":"a\\"b"}',
      'line1\\nline2',
    ]);
    expect(second!.trim().split(/\s+/)).toEqual(['2', ...Array(10).fill('NULL')]);
    expect(footer).toBe('(2 rows)');
    expect((await runCli(['inspect', file('duck.parquet')])).stdout).toContain('  dec: Decimal128(15, 2)\n');
  });

  it('a Polars Arrow file: string views, categorical, ms/ns datetimes, durations', async () => {
    pl.DataFrame({
      s: pl.Series('s', ['a\tb', null], pl.Utf8),
      ts: pl.Series('ts', [new Date(Date.UTC(1960, 0, 1, 0, 0, 0, 5)), null], pl.Datetime('ms')),
    })
      .withColumns(
        pl.col('s').cast(pl.Categorical).alias('cat'),
        pl.col('ts').cast(pl.Datetime('ns')).alias('tsns'),
        pl.lit(90061001).cast(pl.Duration('ms')).alias('dur'),
      )
      .writeIPC(file('polars.arrow'));
    const [, , first, second] = await inspectRows(file('polars.arrow'));
    expect(first!.trim().split(/\s{2,}/)).toEqual(['a\\tb', '1960-01-01 00:00:00.005', 'a\\tb', '1960-01-01 00:00:00.005', '25:01:01.001']);
    expect(second!.trim().split(/\s{2,}/)).toEqual(['NULL', 'NULL', 'NULL', 'NULL', '25:01:01.001']);
  });

  it('an Arrow file with a UUID extension column (arrow.uuid): canonical 8-4-4-4-12 text', async () => {
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const field = new Field('u', new FixedSizeBinary(16), true, new Map([['ARROW:extension:name', 'arrow.uuid']]));
    const bytes = Uint8Array.from(
      uuid
        .replaceAll('-', '')
        .match(/../g)!
        .map((h) => parseInt(h, 16)),
    );
    const column = makeData({ type: new FixedSizeBinary(16), length: 1, data: bytes });
    const batch = new RecordBatch(new Schema([field]), makeData({ type: new Struct([field]), length: 1, children: [column] }));
    writeFileSync(file('uuid.arrow'), tableToIPC(new Table([batch]), 'file'));
    const [, , first, footer] = await inspectRows(file('uuid.arrow'));
    expect(first!.trim()).toBe(uuid);
    expect(footer).toBe('(1 row)');
    expect((await runCli(['inspect', file('uuid.arrow')])).stdout).toContain('  u: FixedSizeBinary[16] (arrow.uuid)\n');
  });
});

describe('quiver inspect of CSV and NDJSON shows the first rows decoded, as a job sees them', () => {
  it('with the inferred types, and as text with the reason when a row does not decode', async () => {
    writeFileSync(file('t.csv'), 'id,x,s\n1,1.5,"a\nb"\n2,,\n3,2,z\n');
    const [header, , ...rest] = await inspectRows(file('t.csv'));
    expect(header!.trim().split(/\s+/)).toEqual(['id', 'x', 's']);
    expect(rest.slice(0, 3).map((l) => l.trim().split(/\s+/))).toEqual([
      ['1', '1.5', 'a\\nb'],
      ['2', 'NULL', 'NULL'],
      ['3', '2.0', 'z'],
    ]);
    writeFileSync(file('bad.ndjson'), '{"id":1,"x":2}\n{"id":2,"x":"three"}\n');
    const r = await runCli(['inspect', file('bad.ndjson'), '--column', 'x:int32']);
    expect(r.stdout).toMatch(/first rows \(as text: .*bad\.ndjson:2.*\)\n/);
    expect(r.stdout).toMatch(/\n2\s+three\s*\n/);
  });
});
