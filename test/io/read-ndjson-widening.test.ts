import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { SAMPLE_LINES } from '../../dist/src/planner/ndjson.js';
import { duckRows } from '../helpers/duckdb.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const SUM_EXACT = path.join(ROOT, 'test/fixtures/jobs/sum-exact.ts');
const ROWS = SAMPLE_LINES + 400;
const LATE = SAMPLE_LINES + 100;

/** JSON lines whose field `extra` (and nested `meta.score`) first appears past the sample, and whose `n` overflows int32 there. */
function writeLateFields(file: string): void {
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const o: Record<string, unknown> = { id: i, n: i === LATE + 50 ? 3_000_000_000 : i % 11 === 0 ? null : i };
    if (i >= LATE && i % 3 === 0) o.extra = i * 1000;
    if (i >= LATE + 10 && i % 4 === 0) o.meta = { score: i / 4 + 0.5 };
    lines.push(JSON.stringify(o));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

const duckJson = (f: string) => `read_json('${f}', columns={id: 'BIGINT', n: 'BIGINT', extra: 'BIGINT', meta: 'STRUCT(score DOUBLE)'})`;

describe('NDJSON fields and values past the sample', () => {
  it("reads a field that first appears past the sample as a column, to DuckDB's sum, and says where it was found", async () => {
    const f = path.join(dir, 'late.ndjson');
    writeLateFields(f);
    const { value, report } = await run(SUM_EXACT, { input: f, workers: 2, params: { column: 'extra' } });
    const [ref] = await duckRows(
      `SELECT count(extra) AS count, sum(extra)::VARCHAR AS sum, min(extra)::VARCHAR AS min, max(extra)::VARCHAR AS max FROM ${duckJson(f)}`,
    );
    expect(value).toEqual({ rows: ROWS, count: Number(ref!.count), sum: ref!.sum, min: ref!.min, max: ref!.max });
    const found = Object.fromEntries((report.widened ?? []).map((w) => [w.column, { from: w.from, to: w.to, line: w.line }]));
    expect(found).toEqual({
      // Lines are 1-based: row i is line i + 1.
      extra: { from: undefined, to: 'int32', line: LATE + 2 },
      'meta.score': { from: undefined, to: 'float64', line: LATE + 13 },
      n: { from: 'int32', to: 'int64', line: LATE + 51 },
    });
  });

  it('sums the late column n, widened to int64, exactly as DuckDB does', async () => {
    const f = path.join(dir, 'late2.ndjson');
    writeLateFields(f);
    const { value } = await run(SUM_EXACT, { input: f, workers: 2, params: { column: 'n' }, columns: ['n'] });
    const [ref] = await duckRows(
      `SELECT count(n) AS count, sum(n)::VARCHAR AS sum, min(n)::VARCHAR AS min, max(n)::VARCHAR AS max FROM ${duckJson(f)}`,
    );
    expect(value).toEqual({ rows: ROWS, count: Number(ref!.count), sum: ref!.sum, min: ref!.min, max: ref!.max });
  });
});
