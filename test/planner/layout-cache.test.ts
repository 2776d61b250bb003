import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makePlan, run } from 'quiver-engine';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const columnsOf = async (inputs: string[], formatOptions = {}) => {
  const plan = await makePlan({ inputs, workers: 2, formatOptions });
  const split = plan.splits[0] as { columns?: Array<{ name: string; type: string }> };
  return split.columns?.map((c) => `${c.name}:${c.type}`);
};

describe('layouts remembered between plans', () => {
  it('a file rewritten in place is read again (types, rows and answers follow the new content)', async () => {
    const f = path.join(dir, 'rewritten.csv');
    writeFileSync(f, 'k,v\na,1\nb,2\n');
    expect(await columnsOf([f])).toEqual(['k:utf8', 'v:int32']);
    // Same size, same name, written straight after: only the bytes differ.
    writeFileSync(f, 'k,v\na,x\nb,y\n');
    expect(await columnsOf([f])).toEqual(['k:utf8', 'v:utf8']);
    writeFileSync(f, 'k,v\na,1.5\nb,2.5\nc,3.5\n');
    expect(await columnsOf([f])).toEqual(['k:utf8', 'v:float64']);
    const { table } = await run('linear-regression', { input: f, workers: 2, params: { x: 'v', y: 'v' } });
    expect(table.get(0)!.toJSON()).toMatchObject({ n: 3, slope: 1 });
  });

  it('widening types across the files of one input does not leak into a later plan of one of them', async () => {
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    writeFileSync(a, 'v\n1\n2\n');
    writeFileSync(b, 'v\n0.5\n');
    expect(await columnsOf([a, b])).toEqual(['v:float64']);
    expect(await columnsOf([a])).toEqual(['v:int32']);
  });

  it('other read options are another layout', async () => {
    const f = path.join(dir, 'semi.csv');
    writeFileSync(f, 'a;b\n1;2\n');
    expect(await columnsOf([f])).toEqual(['a;b:utf8']);
    expect(await columnsOf([f], { csv: { delimiter: ';' } })).toEqual(['a:int32', 'b:int32']);
    expect(await columnsOf([f])).toEqual(['a;b:utf8']);
  });

  it('a file that failed to plan is read again once fixed', async () => {
    const f = path.join(dir, 'fixed.arrow');
    writeFileSync(f, 'not an arrow file at all');
    await expect(makePlan({ inputs: [f], workers: 2 })).rejects.toThrow(/not a valid Arrow IPC file/);
    writeFileSync(f, tableToIPC(tableFromArrays({ v: Int32Array.from([1, 2, 3]) }), 'file'));
    const plan = await makePlan({ inputs: [f], workers: 2 });
    expect(plan.totalRows).toBe(3);
  });
});
