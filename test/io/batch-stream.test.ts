import { describe, expect, it } from 'vitest';
import { tableFromArrays, type RecordBatch } from 'apache-arrow';
import { batchStream, tallied } from '../../dist/src/io/batch-stream.js';

/** A producer of `rounds` handfuls of 3 numbers that records what it did. */
function producer(rounds: number, log: string[], failAt?: number) {
  return async (give: (items: number[]) => Promise<void>) => {
    try {
      for (let r = 0; r < rounds; r++) {
        if (r === failAt) throw new Error(`bad input in round ${r}`);
        await new Promise((res) => setTimeout(res, 1));
        log.push(`give ${r}`);
        await give([3 * r, 3 * r + 1, 3 * r + 2]);
        log.push(`given ${r}`);
      }
    } finally {
      log.push('closed');
    }
  };
}

describe('batchStream', () => {
  it('gives every item in order, never running more than one handful ahead of the consumer', async () => {
    const log: string[] = [];
    const got: number[] = [];
    for await (const x of batchStream(producer(4, log))) {
      got.push(x);
      log.push(`took ${x}`);
    }
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // The producer resumes only after the consumer took the whole handful.
    expect(log.slice(0, 6)).toEqual(['give 0', 'took 0', 'took 1', 'took 2', 'given 0', 'give 1']);
    expect(log.at(-1)).toBe('closed');
  });

  it('hands a producer error to the consumer after the items given before it', async () => {
    const log: string[] = [];
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of batchStream(producer(5, log, 2))) got.push(x);
      })(),
    ).rejects.toThrow('bad input in round 2');
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(log.at(-1)).toBe('closed');
  });

  it('stops the producer, and waits for it to unwind, when the consumer stops early', async () => {
    const log: string[] = [];
    for await (const x of batchStream(producer(100, log))) if (x === 4) break;
    expect(log).toEqual(['give 0', 'given 0', 'give 1', 'closed']);
    const thrown: string[] = [];
    await expect(
      (async () => {
        for await (const x of batchStream(producer(100, thrown))) if (x === 7) throw new Error('the job failed');
      })(),
    ).rejects.toThrow('the job failed');
    expect(thrown.at(-1)).toBe('closed');
    expect(thrown).not.toContain('give 3');
  });

  it('ends at once for a producer that gives nothing, and never starts one nobody reads', async () => {
    const none: number[] = [];
    for await (const x of batchStream<number>(async () => undefined)) none.push(x);
    expect(none).toEqual([]);
    let started = false;
    const unread = batchStream<number>(async () => void (started = true));
    await unread.return(undefined);
    expect(started).toBe(false);
  });
});

describe('tallied', () => {
  const batches = (n: number, rows: number): RecordBatch[] =>
    Array.from({ length: n }, (_, i) => tableFromArrays({ x: Int32Array.from({ length: rows }, () => i) }).batches[0]!);

  it('counts the rows of the batches a task took, from a stream or an array', async () => {
    const log: string[] = [];
    const tally = { rows: 0, readMs: 0 };
    const given = batches(6, 5);
    for await (const b of tallied(
      batchStream<RecordBatch>(async (give) => {
        for (let i = 0; i < 3; i++) {
          log.push(`read ${i}`);
          await give(given.slice(2 * i, 2 * i + 2));
        }
      }),
      tally,
    ))
      expect(b.numRows).toBe(5);
    expect(tally.rows).toBe(30);
    expect(tally.readMs).toBeGreaterThanOrEqual(0);
    const fromArray = { rows: 0, readMs: 0 };
    let n = 0;
    for await (const _ of tallied(given, fromArray)) n++;
    expect([n, fromArray.rows]).toEqual([6, 30]);
  });

  it('closes the reader when the task stops early (user code threw)', async () => {
    const log: string[] = [];
    const given = batches(100, 3);
    const tally = { rows: 0, readMs: 0 };
    await expect(
      (async () => {
        for await (const b of tallied(
          batchStream<RecordBatch>(async (give) => {
            try {
              for (let i = 0; i < 100; i++) await give([given[i]!]);
            } finally {
              log.push('closed');
            }
          }),
          tally,
        ))
          if (b.getChild('x')!.get(0) === 2) throw new Error('fold threw');
      })(),
    ).rejects.toThrow('fold threw');
    expect(log).toEqual(['closed']);
    expect(tally.rows).toBe(9);
  });
});
