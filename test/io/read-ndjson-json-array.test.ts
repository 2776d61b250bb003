import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { makePlan, run } from 'quiver-engine';
import { arrowStats, duckStats, type StatKind } from '../helpers/column-stats.js';
import { duckRows } from '../helpers/duckdb.js';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { quiverBatches } from '../helpers/typed-files.js';

const dir = tempDir();
const COLUMNS: Record<string, StatKind> = { id: 'int', big: 'int', title: 'text', rating: 'float', 'release.date': 'date' };

/** Rows like vega-datasets' movies.json: text, numbers, a nested object, nulls in every field, an int64 past 2^53. */
const movies = Array.from({ length: 500 }, (_, i) => ({
  id: i % 13 === 0 ? null : i,
  big: i % 11 === 0 ? null : `${BigInt(i) * 10000000000000003n}`,
  title: i % 7 === 0 ? null : `Movie "${i}", part ${i % 4}`,
  rating: i % 5 === 0 ? null : (i % 97) / 10,
  release: { date: i % 9 === 0 ? null : `19${String(50 + (i % 50)).padStart(2, '0')}-0${(i % 9) + 1}-1${i % 10}` },
}));
const asJson = (m: (typeof movies)[number]) => JSON.stringify(m).replace(/"big":"(\d+)"/, '"big":$1');

async function expectDuckValues(file: string) {
  const { batches, types } = await quiverBatches(file, 2048);
  expect(types).toEqual({ id: 'Int32', big: 'Int64', title: 'Utf8', rating: 'Float64', 'release.date': 'Date32<DAY>' });
  const from = `(SELECT id, big, title, rating, release.date AS "release.date" FROM read_json('${file}', columns={id: 'INTEGER', big: 'BIGINT', title: 'VARCHAR', rating: 'DOUBLE', release: 'STRUCT(date DATE)'}))`;
  for (const [column, kind] of Object.entries(COLUMNS)) {
    const got = arrowStats(batches, column, kind);
    const want = await duckStats(from, column, kind);
    if (kind === 'float')
      expect([got.count, Number(got.sum), got.min, got.max].map(String), column).toEqual(
        [want.count, Number(want.sum), Number(want.min), Number(want.max)].map(String),
      );
    else expect(got, column).toEqual(want);
  }
}

describe('.json files holding an array of objects', () => {
  it("reads a pretty-printed array (elements over several lines) whole, in one split, to DuckDB's values", async () => {
    const f = path.join(dir, 'movies.json');
    writeFileSync(
      f,
      '[\n' + movies.map((m) => '  ' + JSON.stringify(JSON.parse(asJson(m)), null, 2).replaceAll('\n', '\n  ')).join(',\n') + '\n]\n',
    );
    const plan = await makePlan({ inputs: [f], workers: 2, splitBytes: 2048 });
    expect(plan.splits.length).toBe(1);
    expect(plan.files[0]!.note).toMatch(/not splittable, parsed whole by one task/);
    await expectDuckValues(f);
  });

  it("splits an array written one element per line (DuckDB's ARRAY true) at line ends, to DuckDB's values", async () => {
    const f = path.join(dir, 'lines.json');
    writeFileSync(f, '[\n' + movies.map(asJson).join(',\n') + '\n]\n');
    const copy = path.join(dir, 'duck-array.json');
    await duckRows(
      `COPY (SELECT * FROM read_json('${f}', columns={id: 'INTEGER', big: 'BIGINT', title: 'VARCHAR', rating: 'DOUBLE', release: 'STRUCT(date DATE)'})) TO '${copy}' (FORMAT json, ARRAY true)`,
    );
    for (const file of [f, copy]) {
      const plan = await makePlan({ inputs: [file], workers: 2, splitBytes: 2048 });
      expect(plan.splits.length).toBeGreaterThan(4);
      expect(plan.files[0]!.note).toMatch(/one element per line/);
      await expectDuckValues(file);
    }
  });

  it('reads an array Polars wrote on one line', async () => {
    const f = path.join(dir, 'polars.json');
    const df = pl.DataFrame({
      id: pl
        .Series(
          'id',
          movies.map((m) => m.id),
        )
        .cast(pl.Int32),
      title: movies.map((m) => m.title),
      rating: movies.map((m) => m.rating),
    });
    df.writeJSON(f, { format: 'json' });
    const { batches } = await quiverBatches(f);
    for (const [column, kind] of [
      ['id', 'int'],
      ['title', 'text'],
    ] as const)
      expect(arrowStats(batches, column, kind)).toEqual(await duckStats(`read_json('${f}')`, column, kind));
  });

  it('reads back its own -o x.json', async () => {
    const csv = path.join(dir, 'words.csv');
    writeFileSync(csv, 'word,n\n' + Array.from({ length: 3000 }, (_, i) => `w${i % 37},${i}`).join('\n') + '\n');
    const out = path.join(dir, 'counts.json');
    await run(path.join(ROOT, 'test/fixtures/jobs/sum-csv.ts'), { input: csv, workers: 2, output: out });
    const { batches, types } = await quiverBatches(out, 256);
    expect(types).toEqual({ word: 'Utf8', total: 'Int32' });
    expect(arrowStats(batches, 'total', 'int')).toEqual(await duckStats(`read_json('${out}')`, 'total', 'int'));
    expect(arrowStats(batches, 'word', 'text')).toEqual(await duckStats(`read_json('${out}')`, 'word', 'text'));
  });

  it('refuses an array written one element per line whose file was cut after a line (no closing "]"), as DuckDB does', async () => {
    const whole = path.join(dir, 'cut-array.json');
    await duckRows(`COPY (SELECT i AS id, i * 0.5 AS v FROM range(3000) t(i)) TO '${whole}' (FORMAT json, ARRAY true)`);
    const text = readFileSync(whole, 'utf8');
    // Cut after element 1,500's closing brace (fuzz case 334's shape): every element left is whole, only
    // the "]" is missing. (DuckDB takes a cut after the element's comma as the array's end; quiver refuses both.)
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"id":1500'));
    const cut = path.join(dir, 'cut-array-short.json');
    writeFileSync(cut, [...lines.slice(0, at), lines[at]!.replace(/,$/, '')].join('\n'));
    await expect(duckRows(`SELECT count(*) AS n FROM read_json('${cut}', format='array')`)).rejects.toThrow(/Malformed JSON/);
    const count = { by: 'id', agg: 'count' };
    await expect(run('groupby', { input: cut, workers: 2, splitBytes: 16 << 10, params: count })).rejects.toThrow(
      /cut-array-short\.json: the JSON array that starts the file has no closing "\]" at its end/,
    );
    // The whole file still reads, at the same split size: 3,000 rows.
    const { table } = await run('groupby', { input: whole, workers: 2, splitBytes: 16 << 10, params: count });
    expect(table.numRows).toBe(3000);
  });
});
