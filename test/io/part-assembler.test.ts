import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Int32, Utf8, makeTable, vectorFromArray } from 'apache-arrow';
import pl from 'nodejs-polars';
import { describe, expect, it, vi } from 'vitest';
import { run } from 'quiver-engine';
import { PartAssembler } from '../../dist/src/io/part-assembler.js';
import { appendBatchToPart, assembleParts, type PartFormat } from '../../dist/src/io/part-files.js';
import { duckRows } from '../helpers/duckdb.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

// `quiver convert` copies each split's part file into the output while the run goes on, as soon as
// every split before it has finished (src/io/part-assembler.ts). Judged by Polars and JSON.parse
// reading the output, against the rows each part was written with.

const dir = tempDir();
let n = 0;

/** A part file of `format` holding rows `from` until `to` (id, and a text of it), one batch per `step` rows. */
function part(format: PartFormat, from: number, to: number, step = 7): { file: string; rows: Array<{ id: number; s: string }> } {
  const file = path.join(dir, `part-${n++}.${format === 'csv' ? 'csv' : format === 'ndjson' || format === 'json' ? 'ndjson' : 'arrows'}`);
  const rows: Array<{ id: number; s: string }> = [];
  for (let at = from; at < to; at += step) {
    const ids = Array.from({ length: Math.min(step, to - at) }, (_, k) => at + k);
    for (const id of ids) rows.push({ id, s: `v${id},"é"` });
    // Utf8, not the dictionary tableFromArrays would make of strings (dictionaries are not copied as they are).
    const t = makeTable({
      id: Int32Array.from(ids),
      s: vectorFromArray(
        ids.map((id) => `v${id},"é"`),
        new Utf8(),
      ) as never,
    });
    appendBatchToPart(file, t.batches[0]!, format);
  }
  return { file, rows };
}

const out = (ext: string) => path.join(dir, `out-${n++}.${ext}`);
const arrowRows = (file: string) => pl.readIPC(readFileSync(file)).toRecords();

describe('PartAssembler: parts copied in split order as their splits finish', () => {
  it('copies a split as soon as every split before it has finished, whatever order they finish in', async () => {
    const parts = [part('arrow', 0, 20), part('arrow', 20, 45), part('arrow', 45, 46), part('arrow', 46, 80), part('arrow', 80, 100)];
    const tmp = out('arrow');
    const a = new PartAssembler(tmp, 'arrow');
    const cols = ['id', 's'];
    a.add(3, [parts[3]!.file], cols);
    a.add(1, [parts[1]!.file], cols);
    // Nothing before split 0 finishes: nothing is copied.
    await new Promise((r) => setTimeout(r, 50));
    expect(a.copiedParts).toEqual([]);
    a.add(0, [parts[0]!.file], cols);
    // Splits 0 and 1 are copied now, while 2 and 4 are still running; 3 waits for 2.
    await vi.waitFor(() => expect(a.copiedParts).toEqual([parts[0]!.file, parts[1]!.file]));
    a.add(4, [parts[4]!.file], cols);
    a.add(2, [parts[2]!.file], cols);
    expect(
      await a.finish(
        parts.map((p) => p.file),
        cols,
      ),
    ).toBe(true);
    expect(arrowRows(tmp)).toEqual(parts.flatMap((p) => p.rows));
  });

  it('starts over when the run starts again (a new attempt): each row once, from the new parts', async () => {
    const tmp = out('arrow');
    const a = new PartAssembler(tmp, 'arrow');
    const first = part('arrow', 0, 30);
    a.add(0, [first.file], ['id', 's'], 0);
    await vi.waitFor(() => expect(a.copiedParts).toHaveLength(1));
    // The new attempt rewrites its parts (here: other rows) and finishes its splits again.
    const again = [part('arrow', 100, 130), part('arrow', 130, 140)];
    a.add(1, [again[1]!.file], ['id', 's'], 1);
    a.add(0, [again[0]!.file], ['id', 's'], 1);
    a.add(0, [first.file], ['id', 's'], 0); // a late value of the old attempt counts for nothing
    expect(await a.finish([again[0]!.file, again[1]!.file], ['id', 's'])).toBe(true);
    expect(arrowRows(tmp)).toEqual(again.flatMap((p) => p.rows));
  });

  it('CSV (one header, of the first part) and a JSON array, finished out of order', async () => {
    for (const format of ['csv', 'json', 'ndjson'] as const) {
      const parts = [part(format, 0, 10), part(format, 10, 25), part(format, 25, 26)];
      const tmp = out(format);
      const a = new PartAssembler(tmp, format);
      for (const i of [2, 0, 1]) a.add(i, [parts[i]!.file], ['id', 's']);
      expect(
        await a.finish(
          parts.map((p) => p.file),
          ['id', 's'],
        ),
      ).toBe(true);
      const expected = parts.flatMap((p) => p.rows);
      if (format === 'csv') {
        const [ref] = await duckRows(
          `SELECT count(*)::INTEGER AS n, sum(id)::INTEGER AS ids, string_agg(s, '|' ORDER BY id) AS s FROM read_csv('${tmp}')`,
        );
        expect(ref).toEqual({ n: 26, ids: 325, s: expected.map((r) => r.s).join('|') });
        expect(
          readFileSync(tmp, 'utf8')
            .split('\n')
            .filter((l) => l === 'id,s'),
        ).toHaveLength(1);
      } else if (format === 'json') expect(JSON.parse(readFileSync(tmp, 'utf8'))).toEqual(expected);
      else
        expect(
          readFileSync(tmp, 'utf8')
            .trimEnd()
            .split('\n')
            .map((l) => JSON.parse(l)),
        ).toEqual(expected);
    }
  });

  it('an empty output still gets its CSV header and JSON brackets', async () => {
    for (const [format, text] of [
      ['csv', 'a,b\n'],
      ['json', '[]\n'],
    ] as const) {
      const tmp = out(format);
      expect(await new PartAssembler(tmp, format).finish([], ['a', 'b'])).toBe(true);
      expect(readFileSync(tmp, 'utf8')).toBe(text);
    }
  });

  it('refuses parts it cannot copy as they are (a dictionary column), and assembleParts then writes them decoded', async () => {
    const file = path.join(dir, 'dict.arrows');
    const dict = new Dictionary(new Utf8(), new Int32());
    const batch = (codes: number[]) =>
      makeTable({
        k: vectorFromArray(
          codes.map((c) => ['x', 'y', 'z'][c]!),
          dict,
        ) as never,
        v: vectorFromArray(codes, new Int32()) as never,
      }).batches[0]!;
    appendBatchToPart(file, batch([0, 1, 2, 1]), 'arrows');
    const tmp = out('arrow');
    const a = new PartAssembler(tmp, 'arrow');
    a.add(0, [file], ['k', 'v']);
    expect(await a.finish([file], ['k', 'v'])).toBe(false);
    const dest = out('arrow');
    await assembleParts([file], dest, 'arrow', ['k', 'v']);
    expect(arrowRows(dest)).toEqual([
      { k: 'x', v: 0 },
      { k: 'y', v: 1 },
      { k: 'z', v: 2 },
      { k: 'y', v: 1 },
    ]);
  });

  it('abort removes its temp file', async () => {
    const tmp = out('arrow');
    const a = new PartAssembler(tmp, 'arrow');
    a.add(0, [part('arrow', 0, 5).file], ['id', 's']);
    await vi.waitFor(() => expect(existsSync(tmp)).toBe(true));
    await a.abort();
    expect(existsSync(tmp)).toBe(false);
  });
});

describe('onSplitValue', () => {
  it("hands over each split's fold value once, before the merge, which the run's value is the merge of", async () => {
    // Three files: a split each at least.
    const files = [0, 1, 2].map((k) => path.join(dir, `nums-${k}.csv`));
    for (const [k, f] of files.entries()) writeFileSync(f, `x\n${Array.from({ length: 5000 }, (_, i) => k * 5000 + i).join('\n')}\n`);
    const job = path.join(ROOT, 'test/fixtures/jobs/sum-exact.ts');
    const seen = new Map<number, { rows: number; count: number }>();
    const attempts = new Set<number>();
    const { value, report } = await run(job, {
      input: files,
      workers: 2,
      params: { column: 'x' },
      onSplitValue: (split, v, attempt) => {
        expect(seen.has(split)).toBe(false);
        seen.set(split, v as { rows: number; count: number });
        attempts.add(attempt);
      },
    });
    expect(seen.size).toBe(report.tasks.map);
    expect(seen.size).toBeGreaterThan(1);
    expect([...attempts]).toEqual([0]);
    expect([...seen.values()].reduce((s, v) => s + v.rows, 0)).toBe(15000);
    expect(value).toEqual({ rows: 15000, count: 15000, sum: String((15000 * 14999) / 2), min: '0', max: '14999' });
  });
});
