import { readFileSync } from 'node:fs';
import path from 'node:path';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { makePlan, run } from 'quiver-engine';
import { readSplit } from '../../dist/src/worker/read-split.js';
import { duckRows } from '../helpers/duckdb.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const SUM_EXACT = path.join(ROOT, 'test/fixtures/jobs/sum-exact.ts');
const n = 20_000;
// Nulls in every column; int64 values past 2^53 so a lossy decode would show.
const df = pl.DataFrame({
  big: pl
    .Series(
      'big',
      Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : String(BigInt(i) * 1_000_000_000_007n - 9_000_000_000_000_000n))),
    )
    .cast(pl.Int64),
  f: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i / 3)),
  s: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `s${i % 13}`)),
});
const parquet = path.join(dir, 'ref.parquet');
df.writeParquet(parquet);

async function quiverRows(file: string) {
  const plan = await makePlan({ inputs: [file], workers: 2 });
  const rows: Array<Record<string, unknown>> = [];
  for (const s of plan.splits)
    for (const b of await readSplit(s, 4096, undefined))
      for (const r of b) rows.push({ big: r!.big === null ? null : String(r!.big), f: r!.f, s: r!.s });
  return rows;
}

describe('Arrow IPC with compressed bodies (as Polars writes them)', () => {
  for (const compression of ['lz4', 'zstd'] as const) {
    for (const kind of ['file', 'stream'] as const) {
      it(`reads a ${compression}-compressed IPC ${kind} to the values Polars reads back`, async () => {
        const file = path.join(dir, `x-${compression}.${kind === 'file' ? 'arrow' : 'arrows'}`);
        if (kind === 'file') df.writeIPC(file, { compression });
        else df.writeIPCStream(file, { compression });
        // Polars reads its own bytes back (its readIPC takes a path string for the body here); Int64 as text, exactly.
        const bytes = readFileSync(file);
        const back = (kind === 'file' ? pl.readIPC(bytes) : pl.readIPCStream(bytes)).withColumns(pl.col('big').cast(pl.Utf8)).toRecords();
        const want = back.map((r) => ({ big: r.big === null ? null : String(r.big), f: r.f, s: r.s }));
        expect(await quiverRows(file)).toEqual(want);
      });
    }
    it(`sums a ${compression}-compressed column in workers to DuckDB's answer on a Parquet copy`, async () => {
      const file = path.join(dir, `w-${compression}.arrow`);
      df.writeIPC(file, { compression });
      const { value } = await run(SUM_EXACT, { input: file, workers: 2, params: { column: 'big' } });
      const [ref] = await duckRows(
        `SELECT count(big) AS count, sum(big)::VARCHAR AS sum, min(big)::VARCHAR AS min, max(big)::VARCHAR AS max FROM '${parquet}'`,
      );
      expect(value).toEqual({ rows: n, count: Number(ref!.count), sum: ref!.sum, min: ref!.min, max: ref!.max });
    });
  }
});
