import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hashPartition } from '../../dist/src/worker/hash.js';
import { joinKey } from 'quiver-engine';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor, writeGroupby } from '../helpers/data.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const KEYS: Array<string | number> = [
  ...Array.from({ length: 2000 }, (_, i) => `word${i}`),
  ...Array.from({ length: 2000 }, (_, i) => i - 1000),
  ...Array.from({ length: 500 }, (_, i) => i * 0.37 + 1e-9),
  '',
  'ü',
  '日本語',
  joinKey('id001', 'id002'),
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  Number.MAX_VALUE,
  -0.5,
];

describe('hashPartition', () => {
  it('sends every key to one partition in [0, R), the same on every call', () => {
    for (let R = 1; R <= 9; R++) {
      for (const k of KEYS) {
        const r = hashPartition(k, R);
        expect(Number.isInteger(r) && r >= 0 && r < R, `${String(k)} → ${r} of ${R}`).toBe(true);
        expect(hashPartition(k, R)).toBe(r);
      }
    }
  });

  it('gives the same partitions in another thread', async () => {
    const url = pathToFileURL(path.join(ROOT, 'dist/src/worker/hash.js')).href;
    const code = `const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.url).then((m) => parentPort.postMessage(workerData.keys.map((k) => m.hashPartition(k, 7))));`;
    const worker = new Worker(code, { eval: true, workerData: { url, keys: KEYS } });
    const theirs = await new Promise<number[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(theirs).toEqual(KEYS.map((k) => hashPartition(k, 7)));
  });

  it('spreads keys over every partition', () => {
    for (const R of [2, 3, 5, 8]) {
      const sizes = new Array<number>(R).fill(0);
      for (let i = 0; i < 4000; i++) sizes[hashPartition(`key-${i}`, R)]++;
      for (const n of sizes) expect(n).toBeGreaterThan(4000 / R / 2);
    }
  });
});

describe('reducers', () => {
  const dir = tempDir();
  const engines = enginesFor([2]);

  it('give the same result for R = 1..5, with every key in exactly one reduce partition', async () => {
    const file = await writeGroupby(dir, 'g.arrow', 3000, 51, 500);
    const results = [];
    for (let R = 1; R <= 5; R++) {
      const { table, report } = await engines
        .get(2)!
        // A median keeps groupby's one pair per key (without one, a worker hands its groups over as one
        // partial per bucket of their hash, jobs/groupby/partials.ts): each key is then one reduce pair.
        .run('groupby', { input: file, reducers: R, params: { by: 'id3', agg: 'sum:v1,count,median:v1' }, batchRows: 400 });
      const rows = rowsOf(table);
      const keys = rows.map((r) => r.id3);
      expect(new Set(keys).size, 'no key appears twice').toBe(keys.length);
      const reduce = report.taskRecords.filter((t) => t.kind === 'reduce');
      expect(new Set(reduce.map((t) => t.index)).size).toBe(reduce.length);
      expect(reduce.length).toBeLessThanOrEqual(R);
      expect(
        reduce.reduce((n, t) => n + t.pairsOut, 0),
        'reducers output each key once',
      ).toBe(keys.length);
      expect(rows.reduce((n, r) => n + (r.count as number), 0)).toBe(3000);
      results.push(rows);
    }
    for (const rows of results.slice(1)) expect(rows).toEqual(results[0]);
  });
});
