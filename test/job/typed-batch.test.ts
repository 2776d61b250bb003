import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { typecheck } from '../helpers/tsc.js';
import { duck } from './real-files.js';

// test/fixtures/jobs/typed-batch.ts types its batch with a schema; its `@ts-expect-error` lines fail
// the compile unless TypeScript rejects ctx.strings on an Int64 column and ctx.column on a Utf8 one.
const JOB = path.join(ROOT, 'test/fixtures/jobs/typed-batch.ts');
const dir = tempDir('quiver-typed-');

describe('ctx calls are typed by the column types of a typed batch', () => {
  it('TypeScript (strict) rejects a call that does not fit the column, and accepts the ones that do', () => {
    typecheck(JOB, dir);
  }, 240_000);

  it('runs, and its exact sum and count equal DuckDB on a DuckDB-written Parquet file', async () => {
    const input = path.join(dir, 'ids.parquet');
    await duck(
      `COPY (SELECT CASE WHEN i % 3 <> 0 THEN 9007199254740993 * (i % 5) END AS id, 'n' || i AS name FROM range(3000) t(i)) TO '${input}' (FORMAT parquet)`,
    );
    const [want] = await duck(`SELECT sum(id)::VARCHAR AS ids, count(*)::INTEGER AS names FROM '${input}'`);
    const { value } = await run(JOB, { input, workers: 2, splitSize: '8KB' });
    const got = value as { ids: bigint; names: number };
    expect({ ids: String(got.ids), names: got.names }).toEqual(want);
  });
});
