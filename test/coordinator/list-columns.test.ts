import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Table, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { columnFromValues, pairsToTable } from '../../dist/src/coordinator/output.js';
import { writeTableFile } from '../../dist/src/io/sinks.js';
import { tempDir } from '../helpers/tmp.js';

/** The cells of a column as plain JS (lists as arrays). */
function cells(table: Table, name: string): unknown[] {
  return JSON.parse(JSON.stringify(table.getChild(name)!.toArray())) as unknown[];
}

describe('result values that are lists', () => {
  it('become List columns whose items follow the same typing rules', () => {
    const cases: Array<{ values: unknown[]; type: string; want: unknown[] }> = [
      { values: [Float64Array.of(1.5, 2), new Float64Array(0), Float64Array.of(-3)], type: 'List<Float64>', want: [[1.5, 2], [], [-3]] },
      { values: [Int32Array.of(1, 2), Int32Array.of(7)], type: 'List<Int32>', want: [[1, 2], [7]] },
      { values: [[1, 2], [3], []], type: 'List<Int32>', want: [[1, 2], [3], []] },
      { values: [[1, 2.5], [3]], type: 'List<Float64>', want: [[1, 2.5], [3]] },
      { values: [['a', 'ü'], [], ['b']], type: 'List<Utf8>', want: [['a', 'ü'], [], ['b']] },
      { values: [[[1], [2, 3]], [[]]], type: 'List<List<Int32>>', want: [[[1], [2, 3]], [[]]] },
      { values: [Int32Array.of(1), [2.5]], type: 'List<Float64>', want: [[1], [2.5]] },
    ];
    for (const { values, type, want } of cases) {
      const t = new Table({ v: columnFromValues(values) });
      expect(String(t.getChild('v')!.type)).toBe(type);
      expect(cells(t, 'v')).toEqual(want);
    }
  });

  it('keep null lists null, and lists mixed with scalars stay JSON text', () => {
    const v = columnFromValues([[1, 2], null, [3], undefined]);
    expect(String(v.type)).toBe('List<Int32>');
    expect(v.nullCount).toBe(2);
    expect(JSON.parse(JSON.stringify(v.toArray()))).toEqual([[1, 2], null, [3], null]);
    const mixed = columnFromValues([[1], 2]);
    expect(String(mixed.type)).toBe('Utf8');
    expect(mixed.toArray()).toEqual(['[1]', '2']);
  });

  it('are one column when reduce returns a typed array', () => {
    const job = { kind: 'keyed', name: 'lists', output: { key: 'word', value: 'postings' } } as never;
    const t = pairsToTable(job, {}, ['a', 'b'], [Float64Array.of(1, 2), Float64Array.of(3)]);
    expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['word: Utf8', 'postings: List<Float64>']);
    expect(cells(t, 'postings')).toEqual([[1, 2], [3]]);
  });

  it('write to and read back from .arrow and .parquet, and as arrays in .ndjson', async () => {
    const dir = tempDir();
    const t = new Table({
      k: columnFromValues(['x', 'y', 'z']),
      l: columnFromValues([['a', 'b'], null, []]),
      n: columnFromValues([Int32Array.of(5), Int32Array.of(), Int32Array.of(6, 7)]),
    });
    for (const ext of ['arrow', 'parquet', 'ndjson'] as const) {
      const file = path.join(dir, `t.${ext}`);
      await writeTableFile(t, file, ext);
      if (ext === 'ndjson') {
        expect(
          readFileSync(file, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        ).toEqual([
          { k: 'x', l: ['a', 'b'], n: [5] },
          { k: 'y', l: null, n: [] },
          { k: 'z', l: [], n: [6, 7] },
        ]);
        continue;
      }
      const back = ext === 'arrow' ? tableFromIPC(readFileSync(file)) : await readParquet(file);
      expect(String(back.getChild('l')!.type)).toBe('List<Utf8>');
      expect(cells(back, 'l')).toEqual([['a', 'b'], null, []]);
      expect(cells(back, 'n')).toEqual([[5], [], [6, 7]]);
    }
  });
});

async function readParquet(file: string): Promise<Table> {
  const pq = await import('parquet-wasm/node');
  return tableFromIPC(pq.readParquet(readFileSync(file)).intoIPCStream());
}
