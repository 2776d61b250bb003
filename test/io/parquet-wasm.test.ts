import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { compiledParquetWasm, discardParquetWasm, parquetWasm, sharedParquetWasm } from '../../dist/src/io/parquet-wasm.js';
import { makePlan } from '../../dist/src/planner/plan.js';
import { readParquetSplit } from '../../dist/src/io/read-parquet.js';
import { openParquet } from '../../dist/src/io/parquet-file.js';
import { tableFromIPC } from 'apache-arrow';
import type { ParquetSplit } from '../../dist/src/planner/split.js';
import { duckRows } from '../helpers/duckdb.js';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';

const dir = tempDir();

/** A Parquet file written by DuckDB, and DuckDB's sum of its column x. */
async function duckFile(name: string): Promise<{ file: string; sum: number }> {
  const file = path.join(dir, name);
  await duckRows(`COPY (SELECT i, (i * 0.5)::DOUBLE AS x FROM range(5000) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 1000)`);
  const [row] = await duckRows(`SELECT sum(x)::DOUBLE AS s FROM read_parquet('${file}')`);
  return { file, sum: Number(row!.s) };
}

async function sumOf(file: string): Promise<number> {
  const plan = await makePlan({ inputs: [file], workers: 1 });
  let sum = 0;
  for (const split of plan.splits as ParquetSplit[]) {
    for (const batch of await readParquetSplit(split, 1000, ['x'])) for (const v of batch.getChild('x')!) sum += Number(v);
  }
  return sum;
}

describe('parquet-wasm is compiled once and instantiated per reader', () => {
  it('gives a fresh instance with its own memory after a discard (a trap), over the same compiled module, reading the same answers', async () => {
    const { file, sum } = await duckFile('fresh.parquet');
    const first = parquetWasm();
    expect(await sumOf(file)).toBe(sum);
    const module = sharedParquetWasm();
    expect(module).toBeInstanceOf(WebAssembly.Module);
    discardParquetWasm();
    const second = parquetWasm();
    expect(second).not.toBe(first);
    expect(second.wasmMemory()).not.toBe(first.wasmMemory());
    expect(sharedParquetWasm()).toBe(module);
    expect(await sumOf(file)).toBe(sum);
  });

  it('lets a worker thread read with the module another thread compiled, without compiling its own', async () => {
    const { file, sum } = await duckFile('shared.parquet');
    const dist = (p: string) => pathToFileURL(path.join(ROOT, 'dist/src', p)).href;
    const code = `
      import { parentPort, workerData } from 'node:worker_threads';
      const { adoptParquetWasm, compiledParquetWasm, sharedParquetWasm } = await import(${JSON.stringify(dist('io/parquet-wasm.js'))});
      const { makePlan } = await import(${JSON.stringify(dist('planner/plan.js'))});
      const { readParquetSplit } = await import(${JSON.stringify(dist('io/read-parquet.js'))});
      parentPort.once('message', async (module) => {
        const before = sharedParquetWasm();
        adoptParquetWasm(module);
        const plan = await makePlan({ inputs: [workerData], workers: 1 });
        let sum = 0;
        for (const split of plan.splits) for (const b of await readParquetSplit(split, 1000, ['x'])) for (const v of b.getChild('x')) sum += Number(v);
        parentPort.postMessage({ before: before === undefined, same: compiledParquetWasm() === module, sum });
      });`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), { workerData: file });
    try {
      const answer = new Promise<{ before: boolean; same: boolean; sum: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage(compiledParquetWasm());
      expect(await answer).toEqual({ before: true, same: true, sum });
    } finally {
      await worker.terminate();
    }
  });
});

describe('column chunks read into buffers lent for a read', () => {
  it('lends exact-size buffers only while a read runs, takes them back after it, and reads what DuckDB wrote', async () => {
    const file = path.join(dir, 'lent.parquet');
    // Row groups of 50K rows: each column chunk of doubles is ~400 KB, past the pool's 64 KB floor.
    await duckRows(
      `COPY (SELECT i::INTEGER AS i, hash(i)::DOUBLE / 1e15 AS x, 'k' || (i % 977) AS s FROM range(300000) t(i)) ` +
        `TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 50000, COMPRESSION uncompressed)`,
    );
    const [want] = await duckRows(`SELECT sum(x)::DOUBLE AS x, sum(i)::BIGINT AS i, count(DISTINCT s)::INTEGER AS s FROM '${file}'`);
    const pf = await openParquet(file);
    try {
      const buffers = pf.buffers!;
      // Outside a read (the footer), nothing is lent.
      expect(buffers.take(1 << 20).byteLength).toBe(1 << 20);
      expect(buffers.lends).toBe(0);
      let x = 0;
      let i = 0n;
      const s = new Set<string>();
      for (let g = 0; g < pf.metadata().numRowGroups(); g++) {
        const table = await buffers.during(() => pf.read({ rowGroups: [g], columns: ['i', 'x', 's'] }));
        const t = tableFromIPC(table.intoIPCStream());
        for (const v of t.getChild('x')!) x += v as number;
        for (const v of t.getChild('i')!) i += BigInt(v as number);
        for (const v of t.getChild('s')!) s.add(v as string);
      }
      expect(i).toBe(BigInt(want!.i as bigint));
      expect(s.size).toBe(want!.s);
      expect(Math.abs(x - (want!.x as number))).toBeLessThan(1e-6 * Math.abs(want!.x as number));
      // Six row groups read one after the other: their chunks took the same few buffers again.
      expect(buffers.lends).toBeGreaterThanOrEqual(6);
      expect(buffers.pooled).toBeLessThan(buffers.lends);
      expect(buffers.pooled).toBeLessThanOrEqual(3);
    } finally {
      pf.free();
    }
  });

  it("gives DuckDB's answers through the engine on nullable DECIMAL, DATE, TIMESTAMP and BIGINT chunks read into lent buffers", async () => {
    const file = path.join(dir, 'lent-types.parquet');
    const out = path.join(dir, 'lent-types.csv');
    // Row groups of 50K rows: every chunk of these columns is 200-400 KB, read into lent buffers.
    await duckRows(
      `COPY (SELECT (i % 7)::INTEGER AS k, CASE WHEN i % 11 = 0 THEN NULL ELSE CAST((hash(i) % 100000000)::BIGINT / 1000 AS DECIMAL(18,3)) END AS d, ` +
        `CASE WHEN i % 13 = 0 THEN NULL ELSE DATE '2000-01-01' + (i % 9000)::INTEGER END AS dt, ` +
        `CASE WHEN i % 17 = 0 THEN NULL ELSE TIMESTAMP '2020-01-01' + to_seconds(i * 37) END AS ts, ` +
        `CASE WHEN i % 19 = 0 THEN NULL ELSE (hash(i) >> 1)::BIGINT END AS b FROM range(300000) t(i)) ` +
        `TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 50000, COMPRESSION uncompressed)`,
    );
    const r = await runCli([
      'run',
      'groupby',
      '-p',
      'by=k',
      '-p',
      'agg=sum:d,min:dt,max:ts,max:b,count:d',
      '-i',
      file,
      '-o',
      out,
      '-w',
      '2',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const got = await duckRows(
      `SELECT k::INTEGER AS k, sum_d::DOUBLE AS d, min_dt::DATE::VARCHAR AS dt, max_ts::TIMESTAMP::VARCHAR AS ts, max_b::BIGINT AS b, ` +
        `count_d::BIGINT AS n FROM read_csv('${out}', header = true, all_varchar = true) ORDER BY k`,
    );
    const want = await duckRows(
      `SELECT k, sum(d)::DOUBLE AS d, min(dt)::VARCHAR AS dt, max(ts)::VARCHAR AS ts, max(b) AS b, count(d)::BIGINT AS n ` +
        `FROM '${file}' GROUP BY k ORDER BY k`,
    );
    expect(got).toEqual(want);
  }, 60_000);
});
