import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makePlan } from 'quiver-engine';
import { readSplit, streamSplit } from '../../dist/src/worker/read-split.js';
import { csvField, parseCsvReference } from '../helpers/csv-reference.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
let n = 0;
function file(text: string | Buffer, ext = '.csv'): string {
  const f = path.join(dir, `f${n++}${ext}`);
  writeFileSync(f, text);
  return f;
}

/** Every row of every split, in order, as plain objects; also the schema of the first batch. */
async function readAll(f: string, splitBytes: number, formatOptions: Record<string, unknown> = {}, batchRows = 3) {
  const plan = await makePlan({ inputs: [f], workers: 2, splitBytes, formatOptions });
  const rows: Array<Record<string, unknown>> = [];
  let first: RecordBatch | undefined;
  for (const s of plan.splits) {
    for (const b of await readSplit(s, batchRows, undefined)) {
      first ??= b;
      for (let i = 0; i < b.numRows; i++) rows.push({ ...b.get(i)!.toJSON() });
    }
  }
  return { rows, plan, types: first ? Object.fromEntries(first.schema.fields.map((x) => [x.name, String(x.type)])) : {} };
}

const SMALL = { csv: { maxRecordBytes: 64 } }; // lets splits be as small as 260 bytes
const asText = {
  columns: {
    types: [
      { name: 'a', type: 'utf8' },
      { name: 'b', type: 'utf8' },
    ],
  },
};

describe('CSV splits', () => {
  it('reads every record exactly once when boundaries fall inside quoted fields with newlines and delimiters', async () => {
    const rows: string[][] = [];
    for (let i = 0; i < 200; i++) rows.push([String(i), `line one, ${i}\nline "two"\r\nthree`, i % 3 === 0 ? ',,\n,' : `x${i}`]);
    const text = 'id,a,b\n' + rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n';
    const f = file(text);
    const want = parseCsvReference(text).slice(1);
    for (const split of [1, 37, 300, 1000, 1 << 20]) {
      const { rows: got, plan } = await readAll(f, split, { ...SMALL, ...asText });
      if (split <= 1000) expect(plan.splits.length).toBeGreaterThan(1);
      expect(got.map((r) => [String(r.id), r.a, r.b])).toEqual(want);
    }
  });

  it('handles boundaries inside multi-byte UTF-8 characters and on CRLF', async () => {
    const rows: string[][] = [];
    for (let i = 0; i < 300; i++) rows.push([String(i), '日本語テキスト'.slice(0, 1 + (i % 7)), `é${'ü'.repeat(i % 5)}`]);
    const text = 'id,a,b\r\n' + rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
    const f = file(text);
    for (const split of [261, 262, 263, 264, 265, 266]) {
      const { rows: got } = await readAll(f, split, SMALL);
      expect(got.map((r) => [String(r.id), r.a, r.b])).toEqual(rows);
    }
  });

  it('reads a file smaller than one split, without a final newline', async () => {
    const { rows, plan } = await readAll(file('x,y\n1,2\n3,4'), 1 << 20);
    expect(plan.splits.length).toBe(1);
    expect(rows).toEqual([
      { x: 1, y: 2 },
      { x: 3, y: 4 },
    ]);
  });

  it('reads a record much longer than a split (one huge line)', async () => {
    const huge = 'z'.repeat(200_000);
    const text = `k,v\n1,${huge}\n2,"${huge}\n${huge}"\n3,short\n`;
    const { rows } = await readAll(file(text), 64 << 10, {
      csv: { maxRecordBytes: 16 << 10 },
      ...{ columns: { types: [{ name: 'v', type: 'utf8' }] } },
    }).catch((e) => ({ rows: [], e }) as never);
    // Records longer than --max-record-size are an error, not a wrong answer.
    expect(rows).toEqual([]);
    const ok = await readAll(file(text), 64 << 10, { csv: { maxRecordBytes: 1 << 20 } });
    expect(ok.rows.map((r) => r.k)).toEqual([1, 2, 3]);
    expect((ok.rows[1]!.v as string).length).toBe(400_001);
  });

  it('says so when a record is longer than --max-record-size', async () => {
    const text = `k,v\n1,${'z'.repeat(5000)}\n2,b\n`;
    await expect(readAll(file(text), 1000, { csv: { maxRecordBytes: 100 } })).rejects.toThrow(/max-record-size|longer/);
  });

  it('skips a UTF-8 BOM, reads TSV, --no-header and custom null markers', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n1,x\n')]);
    expect((await readAll(file(bom), 1 << 20)).rows).toEqual([{ a: 1, b: 'x' }]);
    expect((await readAll(file('a\tb\n1\t"q\tr"\n', '.tsv'), 1 << 20)).rows).toEqual([{ a: 1, b: 'q\tr' }]);
    expect((await readAll(file('1,2\n3,4\n'), 1 << 20, { csv: { header: false } })).rows).toEqual([
      { column0: 1, column1: 2 },
      { column0: 3, column1: 4 },
    ]);
    const nulls = await readAll(file('a,b\n1,NA\nNA,2.5\n'), 1 << 20, { csv: { nullValues: ['NA'] } });
    expect(nulls.rows).toEqual([
      { a: 1, b: null },
      { a: null, b: 2.5 },
    ]);
    expect(nulls.types).toEqual({ a: 'Int32', b: 'Float64' });
  });
});

describe('CSV type inference', () => {
  it('infers int32, int64, float64, bool, dictionary and utf8 from a sample', async () => {
    const lines = ['i,f,b,cat,s,big,empty'];
    for (let i = 0; i < 100; i++) lines.push(`${i - 50},${i / 4},${i % 2 === 0 ? 'true' : 'FALSE'},c${i % 3},s${i},${2 ** 31 + i},`);
    const { rows, types } = await readAll(file(lines.join('\n') + '\n'), 1 << 20, {}, 1000);
    expect(types).toEqual({ i: 'Int32', f: 'Float64', b: 'Bool', cat: 'Dictionary<Int32, Utf8>', s: 'Utf8', big: 'Int64', empty: 'Utf8' });
    expect(rows[3]).toEqual({ i: -47, f: 0.75, b: false, cat: 'c0', s: 's3', big: BigInt(2 ** 31 + 3), empty: null });
  });

  it('parses decimals exactly as Number() does', async () => {
    const values = ['0.1', '-2.675', '123456789.123456', '1e-7', '6.02214076e23', '.5', '-0', '9007199254740993', '0.30000000000000004'];
    const { rows } = await readAll(file('v\n' + values.join('\n') + '\n'), 1 << 20, {
      columns: { types: [{ name: 'v', type: 'float64' }] },
    });
    expect(rows.map((r) => r.v)).toEqual(values.map(Number));
  });

  it('takes types from --column and --schema over inference', async () => {
    const f = file('a,b\n1,2\n3,4\n');
    expect(
      (
        await readAll(f, 1 << 20, {
          columns: {
            types: [
              { name: 'a', type: 'float64' },
              { name: 'b', type: 'utf8' },
            ],
          },
        })
      ).types,
    ).toEqual({ a: 'Float64', b: 'Utf8' });
    const s = await readAll(f, 1 << 20, {
      columns: {
        schema: [
          { name: 'x', type: 'utf8' },
          { name: 'y', type: 'int32' },
        ],
      },
    });
    expect(s.rows).toEqual([
      { x: '1', y: 2 },
      { x: '3', y: 4 },
    ]);
  });
});

describe('CSV and NDJSON splits given to a task as they decode', () => {
  const openFiles = () => readdirSync('/proc/self/fd').length;
  // About 3 read chunks (src/io/file-range.ts reads 4 MB at a time), so batches come in several handfuls.
  const ROWS = 300_000;
  const csv = () => file('id,name,x\n' + Array.from({ length: ROWS }, (_, i) => `${i},"n ${i % 97}, q",${i / 8}`).join('\n') + '\n');
  const ndjson = () =>
    file(Array.from({ length: ROWS }, (_, i) => JSON.stringify({ id: i, name: `n ${i % 97}`, x: i / 8 })).join('\n') + '\n', '.ndjson');

  for (const [kind, make] of [
    ['CSV', csv],
    ['NDJSON', ndjson],
  ] as const) {
    it(`${kind}: the same batches as reading the split whole, for one split and for several`, async () => {
      const f = make();
      for (const splitBytes of [1 << 30, 3 << 20]) {
        const plan = await makePlan({ inputs: [f], workers: 2, splitBytes });
        let ids = 0;
        let rows = 0;
        for (const s of plan.splits) {
          const whole = await readSplit(s, 4096, undefined);
          const streamed: RecordBatch[] = [];
          for await (const b of await streamSplit(s, 4096, undefined)) streamed.push(b);
          expect(streamed.map((b) => b.numRows)).toEqual(whole.map((b) => b.numRows));
          for (let k = 0; k < whole.length; k++) {
            expect(Array.from(streamed[k]!.getChild('id')!.toArray() as Int32Array)).toEqual(
              Array.from(whole[k]!.getChild('id')!.toArray() as Int32Array),
            );
            expect(streamed[k]!.getChild('name')!.get(7)).toBe(whole[k]!.getChild('name')!.get(7));
          }
          for (const b of streamed) {
            const col = b.getChild('id')!.toArray() as Int32Array;
            for (let i = 0; i < col.length; i++) ids += col[i]!;
            rows += b.numRows;
          }
        }
        expect(rows).toBe(ROWS);
        expect(ids).toBe((ROWS * (ROWS - 1)) / 2);
      }
    });

    it(`${kind}: a task that stops early stops the read and closes the file`, async () => {
      const f = make();
      const [s] = (await makePlan({ inputs: [f], workers: 1, splitBytes: 1 << 30 })).splits;
      const before = openFiles();
      const stream = (await streamSplit(s!, 4096, undefined)) as AsyncGenerator<RecordBatch>;
      const first = await stream.next();
      expect(first.value!.numRows).toBe(4096);
      await stream.return(undefined);
      expect(openFiles()).toBe(before);
    });
  }
});

describe('a wide CSV', () => {
  it('cuts its batches to about 4M cells (1,500 columns: 2,796 rows a batch, not 65,536) and reads every value', async () => {
    const width = 1500;
    const rows = 3000;
    const f = path.join(dir, 'wide.csv');
    const header = Array.from({ length: width }, (_, c) => `c${c}`).join(',');
    const lines = Array.from({ length: rows }, (_, r) => Array.from({ length: width }, (_, c) => (r * 7 + c) % 10).join(','));
    writeFileSync(f, `${header}\n${lines.join('\n')}\n`);
    const plan = await makePlan({ inputs: [f], workers: 1, splitBytes: 64 << 20 });
    expect(plan.splits).toHaveLength(1);
    const batches = await readSplit(plan.splits[0]!, 1 << 16, undefined);
    expect(batches.map((b) => b.numRows)).toEqual([2796, 204]);
    // The last column's sum, as a plain loop over the same rows gives it.
    let expected = 0;
    for (let r = 0; r < rows; r++) expected += (r * 7 + width - 1) % 10;
    let sum = 0;
    for (const b of batches) for (const v of b.getChild(`c${width - 1}`)!) sum += Number(v);
    expect(sum).toBe(expected);
  });
});
