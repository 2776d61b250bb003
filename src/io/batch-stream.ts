import type { RecordBatch } from 'apache-arrow';
import { now } from '../util/clock.js';

/** Thrown into a producer's pending `give` when its consumer stopped reading: it unwinds, closing its file. */
class StopProducing extends Error {
  constructor() {
    super('the consumer stopped reading');
  }
}

/**
 * Runs `produce`, which hands out items through `give`, as an async iterable with backpressure: each
 * `give` waits until the consumer has taken what it gave, so the producer is never more than one
 * handful ahead (a CSV reader: one read chunk's batches; its next read is already under way while the
 * consumer works). A producer error reaches the consumer after the items given before it. A consumer
 * that stops early (a `break`, a throw in its loop) makes the pending `give` throw, and the iterable
 * waits for the producer to unwind before it finishes, so no read outlives the task.
 */
export async function* batchStream<T>(produce: (give: (items: T[]) => Promise<void>) => Promise<void>): AsyncGenerator<T> {
  let given: T[] | undefined;
  let resume: ((stop: boolean) => void) | undefined;
  let wake: (() => void) | undefined;
  let finished = false;
  let failed = false;
  let error: unknown;
  const give = (items: T[]) =>
    new Promise<void>((resolve, reject) => {
      given = items;
      resume = (stop) => (stop ? reject(new StopProducing()) : resolve());
      wake?.();
    });
  const done = produce(give)
    .then(
      () => undefined,
      (e: unknown) => {
        failed = true;
        error = e;
      },
    )
    .finally(() => {
      finished = true;
      wake?.();
    });
  let stopped = true;
  try {
    for (;;) {
      if (given === undefined && !finished) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (given !== undefined) {
        const items = given;
        given = undefined;
        yield* items;
        const next = resume!;
        resume = undefined;
        next(false);
        continue;
      }
      if (failed && !(error instanceof StopProducing)) throw error;
      stopped = false;
      return;
    }
  } finally {
    if (stopped) {
      // Stopped while the producer waits in `give` (or after it failed): let it unwind.
      resume?.(true);
      resume = undefined;
      await done;
    }
  }
}

/** Everything `produce` gives, once it has finished: the same reader read whole (`readSplit`). */
export async function collected<T>(produce: (give: (items: T[]) => Promise<void>) => Promise<void>): Promise<T[]> {
  const out: T[] = [];
  await produce(async (items) => void out.push(...items));
  return out;
}

/**
 * `source`'s batches, adding their rows to `tally.rows` and the time spent waiting for them to
 * `tally.readMs`. A consumer that stops early closes `source` too, so its reader stops and closes its file.
 */
export async function* tallied(
  source: AsyncIterable<RecordBatch> | RecordBatch[],
  tally: { rows: number; readMs: number },
): AsyncGenerator<RecordBatch> {
  if (Array.isArray(source)) {
    for (const b of source) tally.rows += b.numRows;
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  let ended = false;
  try {
    for (;;) {
      const t = now();
      const next = await it.next();
      tally.readMs += now() - t;
      if (next.done) {
        ended = true;
        return;
      }
      tally.rows += next.value.numRows;
      yield next.value;
    }
  } finally {
    if (!ended) await it.return?.(undefined);
  }
}
