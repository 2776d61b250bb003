import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC, type Schema, type Table } from 'apache-arrow';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from 'quiver-engine';
import { groupbyBatches, writeArrowFile } from '../../dist/src/datasets/groupby.js';

/** Columns of a generated groupby table as plain JS arrays, read back from the file: the reference's input. */
export interface GroupbyColumns {
  id1: string[];
  id2: string[];
  id3: string[];
  id4: number[];
  id5: number[];
  id6: number[];
  v1: number[];
  v2: number[];
  v3: number[];
  rows: number;
}

/** Writes a generated groupby table as an Arrow file of `batchRows`-row record batches. */
export async function writeGroupby(dir: string, name: string, rows: number, seed: number, batchRows: number): Promise<string> {
  const file = path.join(dir, name);
  await writeArrowFile(file, groupbyBatches(rows, seed, batchRows));
  return file;
}

/** Writes an Arrow file with a schema and no record batches. */
export async function writeEmptyArrow(dir: string, name: string, schema: Schema): Promise<string> {
  const file = path.join(dir, name);
  await writeArrowFile(file, [], schema);
  return file;
}

/** Reads an Arrow file whole (with Arrow's own reader) into plain arrays. */
export function readColumns(...files: string[]): GroupbyColumns {
  const out: GroupbyColumns = { id1: [], id2: [], id3: [], id4: [], id5: [], id6: [], v1: [], v2: [], v3: [], rows: 0 };
  for (const file of files) {
    const table: Table = tableFromIPC(readFileSync(file));
    for (const name of ['id1', 'id2', 'id3', 'id4', 'id5', 'id6', 'v1', 'v2', 'v3'] as const) {
      (out[name] as unknown[]).push(...(table.getChild(name)!.toArray() as ArrayLike<unknown>));
    }
    out.rows += table.numRows;
  }
  return out;
}

/**
 * One engine per worker count, started once for the test file and closed after it: runs then cost
 * a task round trip, not a thread start-up.
 */
export function enginesFor(counts: number[]): Map<number, Engine> {
  const engines = new Map<number, Engine>();
  beforeAll(async () => {
    // One after the other: many threads starting at once on a busy machine can hit the start-up timeout.
    for (const w of counts) {
      const engine = new Engine({ workers: w });
      engines.set(w, engine);
      await engine.ready();
    }
  });
  afterAll(async () => {
    await Promise.all([...engines.values()].map((e) => e.close()));
  });
  return engines;
}

/** Orders keys as the engine's output does: numbers numerically, strings by UTF-16 code units, tuples part by part. */
export function compareTuples(a: Array<string | number>, b: Array<string | number>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}
