import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { TaskExecutor, readPartition } from '../../dist/src/cluster/execute.js';
import { publishBundle } from '../../dist/src/cluster/bundles.js';
import { openStore } from '../../dist/src/cluster/open-store.js';
import type { Store } from '../../dist/src/cluster/store.js';
import { pairsFromBytes } from '../../dist/src/cluster/output-bytes.js';
import { QUIVER_VERSION } from '../../dist/src/cluster/version.js';
import type { StagePlan } from '../../dist/src/cluster/task.js';
import { makePlan } from '../../dist/src/planner/plan.js';
import { decodePairs, deserializeValue } from '../../dist/src/worker/partials.js';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { referenceWordCount } from '../helpers/reference.js';

// Tasks as a `quiver worker` runs them, without Redis: map tasks write one object each (all
// partitions behind an offset index), reduce tasks read their partition of every map output.
const dir = tempDir();
const corpus = path.join(dir, 'corpus.txt');
writeFileSync(corpus, [...textChunks(60_000, 5)].join(''));
let store: Store;
let executor: TaskExecutor;
beforeAll(async () => {
  store = await openStore(pathToFileURL(path.join(dir, 'store')).href);
  executor = new TaskExecutor(store, 2);
  await executor.start();
});
afterAll(async () => {
  await executor?.close();
});

async function stage(run: string, kind: StagePlan['kind'], job: string, extra: Partial<StagePlan>): Promise<StagePlan> {
  const { key } = await publishBundle(store, job);
  return {
    run,
    stage: kind === 'reduce' ? 1 : 0,
    kind,
    version: QUIVER_VERSION,
    bundle: key,
    params: {},
    reducers: 3,
    maxAttempts: 3,
    ...extra,
  };
}

describe('TaskExecutor', () => {
  it('runs a word count as map tasks and reduce tasks through the store, like a plain loop', async () => {
    const plan = await makePlan({ inputs: [corpus], workers: 2, reducers: 3, splitBytes: 16 * 1024 });
    const map = await stage('r1', 'map', path.join(ROOT, 'jobs/wordcount.ts'), { splits: plan.splits, batchRows: plan.batchRows });
    const outs = await Promise.all(plan.splits.map((_, index) => executor.run({ run: 'r1', stage: 0, index }, map, 'a1')));
    const keys = outs.map((o) => (o.state === 'done' ? o.result.output : expect.fail(JSON.stringify(o))));
    expect(new Set(keys).size).toBe(plan.splits.length);
    // One object per map task, every partition readable on its own.
    const r0 = await readPartition(store, keys[0]!, 0);
    expect(r0.bytes).toBeGreaterThan(0);
    const reduce = await stage('r1', 'reduce', path.join(ROOT, 'jobs/wordcount.ts'), { mapOutputs: keys, partitions: [0, 1, 2] });
    const counts = new Map<string, number>();
    for (let index = 0; index < 3; index++) {
      const o = await executor.run({ run: 'r1', stage: 1, index }, reduce, 'a1');
      if (o.state !== 'done') expect.fail(JSON.stringify(o));
      const { keys: words, values } = decodePairs(pairsFromBytes(await store.get(o.result.output)));
      words.forEach((w, i) => {
        counts.set(w as string, values[i] as number);
      });
    }
    expect(counts).toEqual(referenceWordCount(readFileSync(corpus, 'utf8')));
    await store.deletePrefix('runs/r1/');
  });

  it('runs a fold task and stores its accumulator', async () => {
    const csv = path.join(dir, 'x.csv');
    writeFileSync(csv, 'x\n' + Array.from({ length: 1000 }, (_, i) => `${i}`).join('\n') + '\n');
    const plan = await makePlan({ inputs: [csv], workers: 1 });
    const fold = await stage('r2', 'fold', path.join(ROOT, 'test/fixtures/jobs/sum-column.ts'), {
      splits: plan.splits,
      batchRows: plan.batchRows,
      params: { column: 'x' },
    });
    const o = await executor.run({ run: 'r2', stage: 0, index: 0 }, fold, 'a1');
    if (o.state !== 'done') expect.fail(JSON.stringify(o));
    expect(deserializeValue(await store.get(o.result.output))).toEqual({ rows: 1000, sum: 499500 });
    await store.deletePrefix('runs/r2/');
  });

  it('refuses a task from a coordinator of another quiver version, naming both', async () => {
    const plan = await makePlan({ inputs: [corpus], workers: 1 });
    const map = await stage('r3', 'map', path.join(ROOT, 'jobs/wordcount.ts'), {
      splits: plan.splits,
      batchRows: plan.batchRows,
      version: '0.0.1-other',
    });
    const o = await executor.run({ run: 'r3', stage: 0, index: 0 }, map, 'a1');
    expect(o.state).toBe('failed');
    if (o.state === 'failed')
      expect(o.error.message).toMatch(new RegExp(`quiver ${QUIVER_VERSION.replace(/\./g, '\\.')}.*quiver 0\\.0\\.1-other`));
  });

  it("gives the user's error with its stack in their .ts file when map throws", async () => {
    const bad = path.join(dir, 'boom.txt');
    writeFileSync(bad, 'fine\nboom here\n');
    const plan = await makePlan({ inputs: [bad], workers: 1 });
    const map = await stage('r4', 'map', path.join(ROOT, 'test/fixtures/jobs/throw-in-map.ts'), {
      splits: plan.splits,
      batchRows: plan.batchRows,
    });
    const o = await executor.run({ run: 'r4', stage: 0, index: 0 }, map, 'a1');
    if (o.state !== 'failed') expect.fail(JSON.stringify(o));
    expect(o.error.user).toBe(true);
    expect(o.error.message).toBe('cannot count "boom here"');
    expect(o.error.stack).toContain(`${path.join(ROOT, 'test/fixtures/jobs/throw-in-map.ts')}:8:`);
  });
});
