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
import { planFromBytes, planToBytes, type PlannedTask, type StagePlan } from '../../dist/src/cluster/task.js';
import type { Plan } from '../../dist/src/planner/plan.js';
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

async function stage(run: string, job: string, tasks: PlannedTask[], extra: Partial<StagePlan> = {}): Promise<StagePlan> {
  const { key } = await publishBundle(store, job);
  const describe = tasks.map((_, i) => `task ${i}`);
  return {
    run,
    stage: tasks[0]!.kind === 'reduce' ? 1 : 0,
    version: QUIVER_VERSION,
    bundle: key,
    params: {},
    tasks,
    describe,
    maxAttempts: 3,
    ...extra,
  };
}

/** The map (or fold) tasks of a plan, as the pipeline makes them. */
const mapTasks = (plan: Plan, kind: 'map' | 'fold' = 'map'): PlannedTask[] =>
  plan.splits.map((split) =>
    kind === 'map'
      ? { kind, split, of: plan.splits.length, reducers: 3, batchRows: plan.batchRows }
      : { kind, split, of: plan.splits.length, batchRows: plan.batchRows },
  );

describe('TaskExecutor', () => {
  it('runs a word count as map tasks and reduce tasks through the store, like a plain loop', async () => {
    const plan = await makePlan({ inputs: [corpus], workers: 2, reducers: 3, splitBytes: 16 * 1024 });
    const map = await stage('r1', path.join(ROOT, 'jobs/wordcount.ts'), mapTasks(plan));
    const outs = await Promise.all(plan.splits.map((_, index) => executor.run({ run: 'r1', stage: 0, index }, map, 'a1')));
    const keys = outs.map((o) => (o.state === 'done' ? o.result.output : expect.fail(JSON.stringify(o))));
    // Each output says how many pairs each partition holds, so reducers of empty partitions get no task.
    outs.forEach((o) => {
      if (o.state === 'done') expect(o.result.counts!.length).toBe(3);
    });
    expect(new Set(keys).size).toBe(plan.splits.length);
    // One object per map task, every partition readable on its own.
    const r0 = await readPartition(store, keys[0]!, 0);
    expect(r0.bytes).toBeGreaterThan(0);
    const from = keys.map((_, i) => i);
    const reduce = await stage(
      'r1',
      path.join(ROOT, 'jobs/wordcount.ts'),
      [0, 1, 2].map((partition) => ({ kind: 'reduce', partition, of: 3, from })),
      { outputs: keys },
    );
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
    const fold = await stage('r2', path.join(ROOT, 'test/fixtures/jobs/sum-column.ts'), mapTasks(plan, 'fold'), {
      params: { column: 'x' },
    });
    const o = await executor.run({ run: 'r2', stage: 0, index: 0 }, fold, 'a1');
    if (o.state !== 'done') expect.fail(JSON.stringify(o));
    expect(deserializeValue(await store.get(o.result.output))).toEqual({ rows: 1000, sum: 499500 });
    await store.deletePrefix('runs/r2/');
  });

  it('refuses a task from a coordinator of another quiver version, naming both', async () => {
    const plan = await makePlan({ inputs: [corpus], workers: 1 });
    const map = await stage('r3', path.join(ROOT, 'jobs/wordcount.ts'), mapTasks(plan), { version: '0.0.1-other' });
    const o = await executor.run({ run: 'r3', stage: 0, index: 0 }, map, 'a1');
    expect(o.state).toBe('failed');
    if (o.state === 'failed')
      expect(o.error.message).toMatch(new RegExp(`quiver ${QUIVER_VERSION.replace(/\./g, '\\.')}.*quiver 0\\.0\\.1-other`));
  });

  it("gives the user's error with its stack in their .ts file when map throws", async () => {
    const bad = path.join(dir, 'boom.txt');
    writeFileSync(bad, 'fine\nboom here\n');
    const plan = await makePlan({ inputs: [bad], workers: 1 });
    const map = await stage('r4', path.join(ROOT, 'test/fixtures/jobs/throw-in-map.ts'), mapTasks(plan));
    const o = await executor.run({ run: 'r4', stage: 0, index: 0 }, map, 'a1');
    if (o.state !== 'failed') expect.fail(JSON.stringify(o));
    expect(o.error.user).toBe(true);
    expect(o.error.message).toBe('cannot count "boom here"');
    expect(o.error.stack).toContain(`${path.join(ROOT, 'test/fixtures/jobs/throw-in-map.ts')}:8:`);
  });

  it("keeps typed arrays and bigints of a stage plan (an Arrow split's schema bytes, k-means centroids) through the store", () => {
    const plan = {
      run: 'r5',
      stage: 0,
      version: QUIVER_VERSION,
      bundle: 'b',
      params: { centroids: new Float64Array([0.1, -2.5, 1e300]), big: 2n ** 63n - 1n },
      tasks: [{ kind: 'noop' }],
      describe: ['x'],
      header: new Uint8Array([0, 255, 7]),
      maxAttempts: 3,
    } as unknown as StagePlan;
    const back = planFromBytes(planToBytes(plan)) as unknown as typeof plan & { header: Uint8Array };
    expect(back.params.centroids).toEqual(new Float64Array([0.1, -2.5, 1e300]));
    expect(back.params.big).toBe(2n ** 63n - 1n);
    expect(back.header).toEqual(new Uint8Array([0, 255, 7]));
  });
});
