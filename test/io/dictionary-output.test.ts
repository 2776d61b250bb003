import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Int32, RecordBatch, Table, tableFromIPC, Utf8, vectorFromArray } from 'apache-arrow';
import pl from 'nodejs-polars';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTableFile } from '../../dist/src/io/sinks.js';
import { duckRows, duckTypes } from '../helpers/duckdb.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// A Polars Categorical column, or a CSV column read as `dict` (DuckDB's ENUM written as text), written
// back by quiver to Arrow and Parquet stays a dictionary (issue 22): read by several tasks, each with
// dictionaries of its own (the CSV reader makes one per batch), and written as one dictionary, which an
// Arrow IPC file requires (Polars refuses to write one otherwise too). Polars reads each output back as
// Categorical with the source's values; DuckDB reads the Parquet output to the source's values.
const dir = tempDir();
const file = (name: string) => path.join(dir, name);
const ROWS = 3000;
// Words that differ from row group to row group, so the tasks' dictionaries differ, and nulls.
const words = Array.from({ length: ROWS }, (_, i) => (i % 7 === 3 ? null : `w${Math.floor(i / 1000)}-${i % 5}`));

beforeAll(async () => {
  const df = pl.DataFrame({
    id: pl.Series(
      'id',
      Array.from({ length: ROWS }, (_, i) => i),
      pl.Int32,
    ),
    cat: pl.Series('cat', words).cast(pl.Categorical),
  });
  df.writeParquet(file('cat.parquet'));
  df.writeIPC(file('cat.arrow'));
  const values = [...new Set(words.filter((w) => w !== null))].map((w) => `'${w}'`).join(', ');
  await duckRows(`COPY (SELECT id, cat::ENUM(${values}) AS cat FROM read_parquet('${file('cat.parquet')}')) TO '${file('cat.csv')}'`);
});

describe('a Categorical column written back to Arrow and Parquet', () => {
  for (const input of ['cat.parquet', 'cat.arrow', 'cat.csv']) {
    it(`from ${input}: stays a dictionary, read back by Polars as Categorical and by DuckDB, across tasks`, async () => {
      const flags = input.endsWith('.csv') ? ['--column', 'cat:dict', '--max-record-size', '1KB'] : [];
      const want = pl.readParquet(file('cat.parquet')).select('id', pl.col('cat').cast(pl.Utf8));
      for (const ext of ['arrow', 'arrows', 'parquet']) {
        const out = file(`${input}-back.${ext}`);
        const r = await runCli(['convert', file(input), out, '--workers', '2', '--split-size', '4KB', ...flags, '-q']);
        expect(r.status, r.stderr).toBe(0);
        const back =
          ext === 'parquet' ? pl.readParquet(out) : ext === 'arrow' ? pl.readIPC(readFileSync(out)) : pl.readIPCStream(readFileSync(out));
        expect(String(back.getColumn('cat').dtype), `${input} → ${ext}`).toBe(String(pl.Categorical));
        expect(back.select('id', pl.col('cat').cast(pl.Utf8)).frameEqual(want, true), `${input} → ${ext}`).toBe(true);
        if (ext !== 'parquet') {
          const t = tableFromIPC(readFileSync(out));
          expect(String(t.schema.fields[1]!.type)).toBe('Dictionary<Int32, Utf8>');
          if (input.endsWith('.csv')) expect(t.batches.length).toBeGreaterThan(1); // several tasks' batches, one dictionary
        }
      }
      const parquet = file(`${input}-back.parquet`);
      expect(await duckTypes(`read_parquet('${parquet}')`)).toEqual({ id: 'INTEGER', cat: 'VARCHAR' });
      const source = `SELECT id, cat::VARCHAR AS cat FROM read_parquet('${file('cat.parquet')}')`;
      const back = `SELECT id, cat FROM read_parquet('${parquet}')`;
      expect(await duckRows(`(${source} EXCEPT ${back}) UNION ALL (${back} EXCEPT ${source})`)).toEqual([]);
      expect(await duckRows(`SELECT count(*)::INTEGER AS n, count(cat)::INTEGER AS c FROM read_parquet('${parquet}')`)).toEqual([
        { n: ROWS, c: words.filter((w) => w !== null).length },
      ]);
    }, 90_000);
  }

  it('a result table whose batches have dictionaries of their own (what a job returns) is written to Arrow and Parquet with one', async () => {
    const type = new Dictionary(new Utf8(), new Int32());
    const first = new Table({ cat: vectorFromArray(['a', 'b', null, 'a'], type) });
    const second = new Table({ cat: vectorFromArray(['z', 'a'], type) }).batches[0]!;
    const table = new Table(first.schema, [first.batches[0]!, new RecordBatch(first.schema, second.data)]);
    for (const [name, format] of [
      ['result.arrow', 'arrow'],
      ['result.parquet', 'parquet'],
    ] as const) {
      await writeTableFile(table, file(name), format);
      const back = format === 'arrow' ? pl.readIPC(readFileSync(file(name))) : pl.readParquet(file(name));
      expect(String(back.getColumn('cat').dtype)).toBe(String(pl.Categorical));
      expect(back.getColumn('cat').cast(pl.Utf8).toArray()).toEqual(['a', 'b', null, 'a', 'z', 'a']);
    }
  });
});
