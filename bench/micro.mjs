// Micro-benchmarks (issues 4 and 6), with tinybench.
//
// Hypotheses:
// 1. A no-op task round trip through the engine's executor (WorkerHandle.send over its dedicated
//    MessagePort) costs at most 2× a raw worker_threads postMessage round trip to a trivial worker:
//    the executor adds a task id, a pending-map lookup and a promise, not another hop.
// 2. Moving 64 MB to a worker and back by transfer costs microseconds and does not grow with the size;
//    structured clone costs tens of milliseconds (two 64 MB copies); a SharedArrayBuffer costs the same
//    as a transfer (nothing is moved at all).
// 3. Decoding a record batch from IPC bytes is cheap (zero-copy views: microseconds per batch, whatever
//    its size), so reading a split costs about what the file read costs.
// Every task checks its result inside its timed body.
//
//   node bench/micro.mjs [--scale small] [--time 1000]
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { RecordBatchReader, Table, tableToIPC } from 'apache-arrow';
import { Bench } from 'tinybench';
import { WorkerHandle } from '../dist/src/executor/worker-handle.js';
import { groupbyBatches } from '../dist/src/datasets/groupby.js';
import { makePlan } from '../dist/src/index.js';
import { readSplit } from '../dist/src/worker/read-split.js';
import { BENCH_DIR, ensureData, scaleName } from './data.mjs';
import { fmtX, header, intFlag, machine, mdTable, progress, writeResults } from './lib.mjs';

const HYPOTHESIS =
  'A no-op task round trip through the executor costs at most 2× a raw worker_threads postMessage round trip; ' +
  'moving 64 MB by transfer or SharedArrayBuffer costs microseconds while structured clone costs tens of milliseconds; ' +
  'decoding a record batch from IPC bytes takes microseconds (zero-copy views).';

const MB64 = 64 * 2 ** 20;
const time = intFlag('time', 1000);

/** A raw worker_threads echo worker with a promise-returning round trip. */
function rawEcho() {
  const worker = new Worker(path.join(BENCH_DIR, 'workers/echo.mjs'));
  const waiting = [];
  worker.on('message', (m) => waiting.shift()(m));
  const call = (msg, transfer) =>
    new Promise((resolve) => {
      waiting.push(resolve);
      worker.postMessage(msg, transfer);
    });
  return { call, close: () => worker.terminate() };
}

/** A result row of a tinybench task, or its error. */
function resultOf(task) {
  const r = task.result;
  if (r.state !== 'completed')
    throw new Error(`micro: task "${task.name}" ended ${r.state}${r.error ? `: ${r.error.stack ?? r.error}` : ''}`);
  const l = r.latency;
  const us = (ms) => Math.round(ms * 1000 * 100) / 100;
  return {
    name: task.name,
    medianUs: us(l.p50),
    meanUs: us(l.mean),
    p99Us: us(l.p99),
    rme: Math.round(l.rme * 100) / 100,
    samples: l.samplesCount,
  };
}

/** Runs one tinybench group; `iterations` is tinybench's minimum sample count (its default is 64). */
async function runBench(name, add, iterations = 64) {
  const bench = new Bench({ name, time, warmupTime: 200, iterations });
  await add(bench);
  progress(`micro: ${name}`);
  await bench.run();
  return bench.tasks.map(resultOf);
}

function expect(cond, what) {
  if (!cond) throw new Error(`micro: check failed: ${what}`);
}

async function roundTrip() {
  const handle = await WorkerHandle.start(0);
  const raw = rawEcho();
  let id = 0;
  try {
    return await runBench('no-op round trip', (b) => {
      b.add('executor: WorkerHandle.send({kind: noop})', async () => {
        const out = await handle.send(1, { kind: 'noop' });
        expect(out.state === 'done' && out.output.kind === 'noop', 'noop task came back done');
      });
      b.add('raw worker_threads postMessage echo', async () => {
        const sent = ++id;
        expect((await raw.call({ kind: 'ping', id: sent })) === sent, 'echo returned the id sent');
      });
    });
  } finally {
    await handle.terminate();
    await raw.close();
  }
}

async function move64() {
  const raw = rawEcho();
  let buf = new ArrayBuffer(MB64);
  const cloned = new ArrayBuffer(MB64);
  const shared = new SharedArrayBuffer(MB64);
  try {
    return await runBench(
      'move 64 MB to a worker and back',
      (b) => {
        b.add('transfer (ArrayBuffer in the transfer list)', async () => {
          const before = new Uint8Array(buf)[0];
          buf = await raw.call({ kind: 'transfer', buf }, [buf]);
          expect(
            buf.byteLength === MB64 && new Uint8Array(buf)[0] === ((before + 1) & 255),
            'transferred buffer came back changed by the worker',
          );
        });
        b.add('structured clone (copied each way)', async () => {
          const back = await raw.call({ kind: 'clone', buf: cloned });
          expect(
            back.byteLength === MB64 && new Uint8Array(back)[0] === ((new Uint8Array(cloned)[0] + 1) & 255),
            'cloned buffer came back changed by the worker',
          );
        });
        b.add('SharedArrayBuffer (shared, nothing copied)', async () => {
          const view = new Uint8Array(shared);
          const before = view[0];
          await raw.call({ kind: 'shared', buf: shared });
          expect(view[0] === ((before + 1) & 255), 'worker wrote into the shared buffer');
        });
      },
      8,
    );
  } finally {
    await raw.close();
  }
}

async function decode(files) {
  const [batch] = groupbyBatches(65_536, 7);
  const ipc = tableToIPC(new Table(batch), 'stream');
  const plan = await makePlan({ inputs: [files.groupby], workers: 2 });
  const textPlan = await makePlan({ inputs: [files.text], workers: 2 });
  const arrowSplit = plan.splits[0];
  const textSplit = textPlan.splits[0];
  const rowsOf = (bs) => bs.reduce((n, b) => n + b.numRows, 0);
  const rows = await runBench('decode', (b) => {
    b.add(`IPC bytes → RecordBatch (65,536 rows, ${(ipc.byteLength / 2 ** 20).toFixed(1)} MB, 9 columns)`, () => {
      const batches = [...RecordBatchReader.from(ipc).open()];
      expect(batches.length === 1 && batches[0].numRows === 65_536, 'decoded one batch of 65,536 rows');
    });
    b.add(
      `engine readSplit: Arrow file split (${arrowSplit.rows.toLocaleString('en-US')} rows, ${(arrowSplit.bytes / 2 ** 20).toFixed(1)} MB)`,
      async () => {
        expect(rowsOf(await readSplit(arrowSplit, 65_536, undefined)) === arrowSplit.rows, 'read every row of the split');
      },
    );
    b.add(`engine readSplit: text split (${(textSplit.bytes / 2 ** 20).toFixed(1)} MB)`, async () => {
      expect(rowsOf(await readSplit(textSplit, 65_536, undefined)) > 0, 'read some lines');
    });
  });
  return {
    rows,
    sizes: {
      ipcBytes: ipc.byteLength,
      arrowSplitBytes: arrowSplit.bytes,
      arrowSplitRows: arrowSplit.rows,
      textSplitBytes: textSplit.bytes,
    },
  };
}

function markdown(m, scale, groups, loadEnd) {
  const lines = header('Micro-benchmarks', HYPOTHESIS, m, loadEnd);
  const [rt, mv, dc] = groups;
  const ratio = rt[0].medianUs / rt[1].medianUs;
  lines.push(`tinybench 6, ${time} ms per task after 200 ms warm-up; scale \`${scale}\` for the decode inputs. Times in µs.`, '');
  for (const [title, rows] of [
    ['No-op task round trip (same tinybench run)', rt],
    ['Moving 64 MB to a worker and back', mv],
    ['Decode', dc.rows],
  ]) {
    lines.push(
      `## ${title}`,
      '',
      ...mdTable(
        ['task', 'median µs', 'mean µs', 'p99 µs', '± %', 'samples'],
        rows.map((r) => [r.name, r.medianUs, r.meanUs, r.p99Us, r.rme, r.samples]),
      ),
      '',
    );
    if (rows === rt) lines.push(`Executor ÷ raw (medians): **${fmtX(ratio)}** (target ≤ 2×).`, '');
  }
  lines.push(
    'Notes: the executor round trip is `WorkerHandle.send(runId, { kind: "noop" })` on a started worker (the worker answers noop tasks from its port listener, without loading a job); ' +
      'the raw one posts `{ kind: "ping", id }` to a `worker_threads` Worker that posts the id back. ' +
      'In the 64 MB tasks the worker increments the first byte, so each check proves the data arrived; the SharedArrayBuffer row excludes filling the shared buffer, which a producer pays once. ' +
      '`readSplit` reads from the page cache (the file was read just before).',
    '',
  );
  return lines;
}

const scale = scaleName();
const files = await ensureData(scale);
const m = machine();
const groups = [await roundTrip(), await move64(), await decode(files)];
const loadEnd = os.loadavg();
writeResults('micro', scale, markdown(m, scale, groups, loadEnd), {
  hypothesis: HYPOTHESIS,
  machine: m,
  loadavgEnd: loadEnd,
  scale,
  timeMs: time,
  roundTrip: groups[0],
  executorOverRaw: groups[0][0].medianUs / groups[0][1].medianUs,
  move64MB: groups[1],
  decode: groups[2],
});
