import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { Float64, Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, InputError, WorkerError } from 'quiver-engine';
import { referenceWordCount, rowsOf } from '../helpers/reference.js';
import { expectRowsClose } from '../helpers/compare.js';
import { tempDir } from '../helpers/tmp.js';

// One Engine serves many small runs, some on corrupt files of every format: each corrupt run fails
// with an error naming its file, and every later run on the same Engine still gives the right answer.
// A reader that never returns (a FIFO nobody finishes writing; a corrupt Parquet page) is cancelled
// by the watchdog and its worker replaced, so it does not wedge the Engine.
const dir = tempDir();
const CORRUPT = path.resolve(import.meta.dirname, '../fixtures/corrupt');
const ROWS = 600;
const GROUPS = ['alpha', 'beta', 'gamma', null];
const rows = Array.from({ length: ROWS }, (_, i) => ({ id: i, g: GROUPS[(i * 7) % 4]!, v: i % 9 === 4 ? null : i / 8 }));

/** count and sum of v per g, sorted by g with null last: the reference for groupby, by plain loops. */
function reference(): Array<Record<string, unknown>> {
  const by = new Map<string | null, { count: number; sum: number }>();
  for (const r of rows) {
    const a = by.get(r.g) ?? { count: 0, sum: 0 };
    a.count++;
    a.sum += r.v ?? 0;
    by.set(r.g, a);
  }
  return [...by]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : 1))
    .map(([g, a]) => ({ g, count: a.count, sum_v: a.sum }));
}

const csv = ['id,g,v', ...rows.map((r) => `${r.id},${r.g ?? ''},${r.v ?? ''}`)].join('\n') + '\n';
const file = (name: string, bytes?: string | Uint8Array) => {
  const f = path.join(dir, name);
  if (bytes !== undefined) writeFileSync(f, bytes);
  return f;
};
const text = Array.from({ length: 300 }, (_, i) => `the ${i % 13} quick brown fox ${i % 5}`).join('\n') + '\n';

async function goodInputs(): Promise<string[]> {
  const t = new Table({
    id: makeVector(Int32Array.from(rows.map((r) => r.id))),
    g: vectorFromArray(
      rows.map((r) => r.g),
      new Utf8(),
    ),
    v: vectorFromArray(
      rows.map((r) => r.v),
      new Float64(),
    ),
  });
  const out = [
    file('good.csv', csv),
    file('good.ndjson', rows.map((r) => JSON.stringify(r)).join('\n') + '\n'),
    file('good.arrow', tableToIPC(t, 'file')),
    file('good.arrows', tableToIPC(t, 'stream')),
  ];
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (SELECT * FROM read_csv('${out[0]}')) TO '${file('duckdb.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 200)`);
  con.closeSync();
  pl.readCSV(out[0]!).writeParquet(file('polars.parquet'), { compression: 'snappy' });
  writeFileSync(file('good.csv.gz'), gzipSync(csv));
  return [...out, file('duckdb.parquet'), file('polars.parquet'), file('good.csv.gz')];
}

/** Corrupt inputs of every format, with what their error must say. */
function corruptInputs(): Array<{ input: string; job: 'groupby' | 'wordcount'; params?: Record<string, unknown>; error: RegExp }> {
  const parquet = readFileSync(file('duckdb.parquet'));
  return [
    {
      input: path.join(CORRUPT, 'arrow-batch-rows-9.arrow'),
      job: 'groupby',
      error: /arrow-batch-rows-9\.arrow is a corrupt Arrow IPC file/,
    },
    {
      input: path.join(CORRUPT, 'arrows-offsets-past-body.arrows'),
      job: 'groupby',
      error: /arrows-offsets-past-body\.arrows is not a valid Arrow IPC stream: record batch 1/,
    },
    { input: file('cut.parquet', parquet.subarray(0, parquet.length - 40)), job: 'groupby', error: /cut\.parquet/ },
    { input: file('bad.csv', csv.replace('\n12,', '\n12,"')), job: 'groupby', error: /bad\.csv/ },
    {
      input: path.join(CORRUPT, 'deep.ndjson'),
      job: 'groupby',
      params: { by: 'b', agg: 'count' },
      error: /deep\.ndjson:2, byte 16: bad NDJSON record/,
    },
    { input: path.join(CORRUPT, 'words-crc.txt.gz'), job: 'wordcount', error: /words-crc\.txt\.gz does not decompress as gzip/ },
    {
      input: path.join(CORRUPT, 'words-checksum.txt.zst'),
      job: 'wordcount',
      error: /words-checksum\.txt\.zst does not decompress as zstd: the frame at byte 0 fails its checksum/,
    },
  ];
}

describe('one Engine, many runs, some on corrupt files', () => {
  const engine = new Engine({ workers: 2, stallTimeoutMs: 3000 });
  afterAll(() => engine.close());

  it('200 runs, a tenth of them on corrupt files of every format: each corrupt one fails naming its file, every other is right', async () => {
    const good = await goodInputs();
    const corrupt = corruptInputs();
    const want = reference();
    const words = [...referenceWordCount(text)].sort(([a], [b]) => (a < b ? -1 : 1)).map(([word, count]) => ({ word, count }));
    const words1 = file('words.txt', text);
    let failed = 0;
    for (let i = 0; i < 200; i++) {
      if (i % 10 === 3) {
        const c = corrupt[failed++ % corrupt.length]!;
        const run = engine.run(c.job, { input: c.input, params: c.params ?? (c.job === 'groupby' ? { by: 'g', agg: 'count,sum:v' } : {}) });
        await expect(run).rejects.toThrow(c.error);
        await expect(run).rejects.toBeInstanceOf(InputError);
      } else if (i % 5 === 0) {
        const { table } = await engine.run('wordcount', { input: words1 });
        expect(rowsOf(table!).sort((a, b) => (String(a.word) < String(b.word) ? -1 : 1))).toEqual(words);
      } else {
        const input = good[i % good.length]!;
        const { table } = await engine.run('groupby', { input, params: { by: 'g', agg: 'count,sum:v' } });
        const got = rowsOf(table!).sort((a, b) => (a.g === null ? 1 : b.g === null ? -1 : String(a.g) < String(b.g) ? -1 : 1));
        expectRowsClose(got, want);
      }
    }
    expect(failed).toBe(20);
  });

  it('a reader that never returns is cancelled by the watchdog, its worker replaced, and the next run is right', async () => {
    const fifo = path.join(dir, 'stuck.txt.gz');
    execFileSync('mkfifo', [fifo]);
    // The writer sends half a gzip member and then nothing, holding the pipe open: the reader waits
    // for bytes that never come, as on a filesystem that stopped answering.
    const writer = open(fifo, 'w').then(async (fh) => {
      const gz = gzipSync(text);
      await fh.write(gz.subarray(0, gz.length >> 1));
      return fh;
    });
    const run = engine.run('wordcount', { input: fifo });
    await expect(run).rejects.toThrow(
      /stuck\.txt\.gz.*its input reader produced no batch for 3 s, so the task was cancelled and its worker replaced/,
    );
    await expect(run).rejects.toBeInstanceOf(WorkerError);
    await (await writer).close();
    const { table } = await engine.run('groupby', { input: file('good.csv'), params: { by: 'g', agg: 'count,sum:v' } });
    expect(rowsOf(table!).reduce((n, r) => n + Number(r.count), 0)).toBe(ROWS);
  });

  it('a Parquet file whose pages make the decoder loop cannot wedge the Engine', async () => {
    // A fuzz reproducer (bench/fuzz.mjs: Polars' file with 4 bits flipped): parquet-wasm never returns on it.
    const input = file('loops.parquet');
    copyFileSync(path.join(CORRUPT, 'parquet-loops.parquet'), input);
    // Either the watchdog cancels it or (once the Parquet reader checks its pages) the reader refuses
    // it; it must not hang, and must name the file.
    await expect(engine.run('groupby', { input, params: { by: 'g', agg: 'count,sum:v' } })).rejects.toThrow(/loops\.parquet/);
    const { table } = await engine.run('groupby', { input: file('duckdb.parquet'), params: { by: 'g', agg: 'count,sum:v' } });
    expect(rowsOf(table!).reduce((n, r) => n + Number(r.count), 0)).toBe(ROWS);
  });
});
