import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { batchDataProblem, countSetBits } from '../../dist/src/io/arrow-check.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

/** A deterministic pseudo-random byte stream (xorshift), so a failure can be replayed. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('countSetBits (the null-count check of every Arrow column a job reads)', () => {
  it('counts as a bit-by-bit loop does, at every alignment of the bitmap and of the range', () => {
    const backing = bytes(300, 7);
    const ranges = bytes(400, 11);
    for (let k = 0; k < 200; k++) {
      // Views that start at each byte offset modulo 4, so the word-wide path meets unaligned bitmaps.
      const bitmap = backing.subarray(k % 8, 280);
      const from = (ranges[2 * k]! * 7) % (bitmap.length * 8);
      const to = Math.min(bitmap.length * 8, from + ((ranges[2 * k + 1]! * 13) % 1500));
      let plain = 0;
      for (let i = from; i < to; i++) plain += (bitmap[i >> 3]! >> (i & 7)) & 1;
      expect(countSetBits(bitmap, from, to)).toBe(plain);
    }
  });
});

describe('batchDataProblem in full, on files other writers made', () => {
  it('finds nothing wrong with a Polars Arrow file with nulls and multi-byte strings in every column, whole or sliced', () => {
    const file = path.join(dir, 'polars.arrow');
    const n = 5000;
    pl.DataFrame({
      s: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : ['café', 'naïve', 'über', '日本', 'a'][i % 5]!.repeat(1 + (i % 3)))),
      v: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i * 1.5)),
      k: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i)),
    }).writeIPC(file);
    const table = tableFromIPC(readFileSync(file));
    expect(table.numRows).toBe(n);
    // The nulls are really there (so the bitmap count is exercised), as Polars itself counts them.
    expect(table.getChild('s')!.nullCount).toBe(Math.ceil(n / 7));
    for (const batch of table.batches) {
      expect(batchDataProblem(batch, true)).toBeUndefined();
      expect(batchDataProblem(batch.slice(3, batch.numRows - 5), true)).toBeUndefined();
    }
  });
});

describe('batchHeaderProblem: every field node and buffer of a batch belongs to a column', () => {
  it('refuses a header with buffers left over after its columns (a type NONE read as Null over a Float64 column made 300 rows of nothing)', async () => {
    const { Message, Table, tableToIPC, vectorFromArray, Float64, Int32 } = await import('apache-arrow');
    const { batchHeaderProblem } = await import('../../dist/src/io/arrow-check.js');
    const t = new Table({ id: vectorFromArray([1, 2, 3], new Int32()), v: vectorFromArray([0.5, null, 2], new Float64()) });
    const stream = Buffer.from(tableToIPC(t, 'stream'));
    const messages: InstanceType<typeof Message>[] = [];
    for (let p = 0; p + 8 <= stream.length; ) {
      const len = stream.readInt32LE(p + 4);
      if (len === 0) break;
      const m = Message.decode(stream.subarray(p + 8, p + 8 + len));
      messages.push(m);
      p += 8 + len + Number(m.bodyLength);
    }
    const header = messages[1]!.header() as Parameters<typeof batchHeaderProblem>[0];
    expect(batchHeaderProblem(header, t.schema, Number(messages[1]!.bodyLength))).toBeUndefined();
    // The same batch under a schema of the first column alone: v's node and its two buffers are left over.
    const idOnly = t.schema.select(['id']);
    expect(batchHeaderProblem(header, idOnly, Number(messages[1]!.bodyLength))).toBe(
      "it has 2 field nodes, but its schema's 1 column(s) need 1",
    );
    // A header whose nodes are id's alone (a plain object: Arrow JS's header has getters only).
    const trimmed = { length: header.length, nodes: header.nodes.slice(0, 1), buffers: header.buffers, compressed: false };
    expect(batchHeaderProblem(trimmed as unknown as typeof header, idOnly, Number(messages[1]!.bodyLength))).toBe(
      "it has 4 buffers, but its schema's 1 column(s) need 2",
    );
  });
});
