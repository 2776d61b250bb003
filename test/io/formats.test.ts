import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Bool, Float64, Int32, Table, Utf8, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { convertFiles } from '../../dist/src/coordinator/convert-files.js';
import { writeArrowFile } from '../../dist/src/datasets/groupby.js';
import { textChunks } from '../../dist/src/datasets/text.js';
import { readColumns, writeGroupby } from '../helpers/data.js';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';
import { expectRowsClose } from '../helpers/compare.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const FORMATS = ['arrow', 'arrows', 'parquet', 'csv', 'ndjson'] as const;

/** Reads any file back as rows, through quiver's own readers: convert it to an Arrow file, then read that with Arrow JS. */
async function rowsOfFile(file: string, options = {}): Promise<Array<Record<string, unknown>>> {
  const out = path.join(dir, `${path.basename(file)}.${Math.random().toString(36).slice(2)}.arrow`);
  await convertFiles([file], out, { workers: 2, splitSize: '4KB', ...options });
  return rowsOf(tableFromIPC(readFileSync(out)));
}

/** A table with the hard cases: text with delimiters, quotes, newlines and non-ASCII; nulls apart from empty strings; booleans; decimals. */
async function writeTricky(): Promise<string> {
  const n = 500;
  const s: Array<string | null> = [],
    i: Array<number | null> = [],
    f: number[] = [],
    b: boolean[] = [];
  for (let k = 0; k < n; k++) {
    s.push(k % 7 === 0 ? null : k % 13 === 0 ? '' : `row ${k}, "q" ${'é日'.repeat(k % 3)}${k % 5 === 0 ? '\nsecond line' : ''}`);
    i.push(k % 11 === 0 ? null : k * 7919 - 1_000_000);
    f.push(k / 7 - 3.25);
    b.push(k % 3 === 0);
  }
  const table = new Table({
    s: vectorFromArray(s, new Utf8()),
    i: vectorFromArray(i, new Int32()),
    f: vectorFromArray(f, new Float64()),
    b: vectorFromArray(b, new Bool()),
  });
  const file = path.join(dir, 'tricky-src.arrow');
  await writeArrowFile(file, table.batches);
  return file;
}

describe('round trips', () => {
  for (const format of FORMATS) {
    it(`groupby data survives Arrow → ${format} → Arrow`, async () => {
      const src = path.join(dir, 'g-src.arrow');
      if (!existsSync(src)) await writeGroupby(dir, 'g-src.arrow', 3000, 5, 1000);
      const file = path.join(dir, `g.${format}`);
      await convertFiles([src], file, { workers: 2, splitSize: '8KB' });
      expect(await rowsOfFile(file)).toEqual(rowsOf(tableFromIPC(readFileSync(src))));
    });
  }

  for (const format of FORMATS) {
    it(`text with delimiters, quotes, newlines, non-ASCII, empty strings and nulls survives ${format}`, async () => {
      const src = path.join(dir, 'tricky-src.arrow');
      if (!existsSync(src)) await writeTricky();
      const file = path.join(dir, `tricky.${format}`);
      await convertFiles([src], file, { workers: 3, splitSize: '2KB' });
      expect(await rowsOfFile(file, { formatOptions: { csv: { maxRecordBytes: 256 } } })).toEqual(rowsOf(tableFromIPC(readFileSync(src))));
    });
  }

  it('a dictionary-encoded CSV column with nulls survives CSV → Parquet and Arrow', async () => {
    const colours = ['red', 'green', '', 'blue', '日本'];
    const lines = Array.from({ length: 600 }, (_, i) => `${i},${colours[(i * 7) % 5]}`);
    const csv = path.join(dir, 'colours.csv');
    writeFileSync(csv, 'k,c\n' + lines.join('\n') + '\n');
    const want = lines.map((l) => ({ k: Number(l.split(',')[0]), c: l.split(',')[1] || null }));
    for (const ext of ['parquet', 'arrow']) {
      const out = path.join(dir, `colours.${ext}`);
      await convertFiles([csv], out, { workers: 2, splitSize: '1KB', formatOptions: { csv: { maxRecordBytes: 64 } } });
      expect(await rowsOfFile(out), ext).toEqual(want);
    }
  });

  it('reads gzip and zstd text as one task each', async () => {
    const csv = readFileSync(path.join(dir, 'g.csv'));
    writeFileSync(path.join(dir, 'g.csv.gz'), gzipSync(csv));
    expect(await rowsOfFile(path.join(dir, 'g.csv.gz'))).toEqual(await rowsOfFile(path.join(dir, 'g.csv')));
    const { table } = await run('groupby', {
      input: path.join(ROOT, 'test/fixtures/data/small.csv.zst'),
      workers: 2,
      params: { by: 'word', agg: 'sum:n,count' },
    });
    expect(rowsOf(table)).toEqual([
      { word: 'alpha', sum_n: 5, count: 2 },
      { word: 'beta', sum_n: 2, count: 1 },
      { word: 'gamma, delta', sum_n: 3, count: 1 },
    ]);
  });
});

describe('the same job over the same data in every format', () => {
  it('groupby gives the same answer from Arrow, Arrow stream, Parquet, CSV, CSV.gz and NDJSON at 1–3 workers', async () => {
    const cols = readColumns(path.join(dir, 'g-src.arrow'));
    const ref = new Map<string, { sum: number; count: number; v3: number }>();
    for (let k = 0; k < cols.rows; k++) {
      const r = ref.get(cols.id1[k]!) ?? { sum: 0, count: 0, v3: 0 };
      r.sum += cols.v1[k]!;
      r.count++;
      r.v3 += cols.v3[k]!;
      ref.set(cols.id1[k]!, r);
    }
    const want = [...ref]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id1, r]) => ({ id1, sum_v1: r.sum, count: r.count, mean_v3: r.v3 / r.count }));
    for (const [file, workers] of [
      ['g.arrow', 1],
      ['g.arrows', 2],
      ['g.parquet', 3],
      ['g.csv', 1],
      ['g.csv', 3],
      ['g.csv.gz', 2],
      ['g.ndjson', 2],
    ] as const) {
      {
        const { table } = await run('groupby', {
          input: path.join(dir, file),
          workers,
          splitSize: '16KB',
          params: { by: 'id1', agg: 'sum:v1,count,mean:v3' },
        });
        expectRowsClose(rowsOf(table), want);
      }
    }
  });

  it('wordcount gives the same answer from text and gzipped text', async () => {
    const text = [...textChunks(50_000, 3)].join('');
    writeFileSync(path.join(dir, 'words.txt'), text);
    writeFileSync(path.join(dir, 'words.txt.gz'), gzipSync(text));
    const want = [...referenceWordCount(text)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, count]) => ({ word, count }));
    for (const file of ['words.txt', 'words.txt.gz']) {
      const { table } = await run('wordcount', { input: path.join(dir, file), workers: 2, splitSize: '4KB' });
      expect(rowsOf(table), file).toEqual(want);
    }
  });

  it('reads a directory of several formats at once, and tells the job each file', async () => {
    const many = path.join(dir, 'many');
    mkdirSync(many);
    for (const f of ['g.csv', 'g.parquet', 'g.ndjson']) copyFileSync(path.join(dir, f), path.join(many, f));
    const { table } = await run(path.join(ROOT, 'test/fixtures/jobs/rows-per-file.ts'), { input: many, workers: 2, splitSize: '16KB' });
    expect(rowsOf(table)).toEqual([
      { file: 'g.csv', rows: 3000 },
      { file: 'g.ndjson', rows: 3000 },
      { file: 'g.parquet', rows: 3000 },
    ]);
  });

  it('reads only the columns asked for', async () => {
    for (const file of ['g.parquet', 'g.csv', 'g.ndjson']) {
      const rows = await rowsOfFile(path.join(dir, file), { columns: ['id2', 'v3'] });
      expect(Object.keys(rows[0]!), file).toEqual(['id2', 'v3']);
    }
  });
});
