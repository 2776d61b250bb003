import type { MessagePort } from 'node:worker_threads';
import { expose } from 'threads/worker';
import { checkJob } from '../job/define-job.js';
import { serializeError } from './serialize-error.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { NOOP_METRICS, runTaskOfKind } from './run-task.js';
import type { RunState } from './tasks.js';
import { exportedJob } from '../job/exports.js';
import { tableFromShared } from '../io/shared-table.js';
import { transferablesOf } from './partials.js';
import { sharePairs } from './share-pairs.js';
import type { TaskOutput } from './protocol.js';
import { registerIpcCodecs } from '../io/ipc-codecs.js';
import { adoptParquetWasm } from '../io/parquet-wasm.js';

// Node's source maps stay off here (they cost every run the parse of the job bundle's map): the
// coordinator maps the stacks of errors it receives (errorFromWorker).
// Arrow IPC inputs and shared tables may hold lz4/zstd-compressed bodies.
registerIpcCodecs();

let port: MessagePort;
let control: Int32Array;
let run: RunState | undefined;
const jobs = new Map<string, ReturnType<typeof checkJob>>();

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function load(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  try {
    if (msg.parquetWasm) adoptParquetWasm(msg.parquetWasm);
    const key = `${msg.jobUrl}#${msg.jobName ?? ''}`;
    let job = jobs.get(key);
    if (!job) {
      const mod = (await import(msg.jobUrl)) as Record<string, unknown>;
      job = checkJob(msg.jobName === undefined ? mod.default : exportedJob(mod, msg.jobName, msg.jobUrl), msg.jobUrl);
      jobs.set(key, job);
    }
    run = { runId: msg.runId, job, params: msg.params, control, table: msg.table ? tableFromShared(msg.table) : undefined };
    send({ type: 'loaded', runId: msg.runId });
  } catch (e) {
    send({ type: 'load-failed', runId: msg.runId, error: serializeError(e, 'load-job') });
  }
}

function transfersOf(out: TaskOutput): ArrayBuffer[] {
  switch (out.kind) {
    case 'map':
      // Shared, not moved: the coordinator may hand the same partition to a second reducer if the first dies.
      out.partitions = out.partitions.map(sharePairs);
      return [];
    case 'drained':
      out.partitions = out.partitions.map(sharePairs);
      return [];
    case 'held':
      return [];
    case 'reduce':
      return transferablesOf(out.pairs);
    case 'fold':
      return out.acc ? [out.acc.buffer as ArrayBuffer] : [];
    case 'formatted':
      return out.bytes.buffer instanceof SharedArrayBuffer ? [] : [out.bytes.buffer as ArrayBuffer];
    case 'noop':
    case 'forked':
    case 'solved':
    case 'stored':
      return [];
  }
}

async function runTask(msg: Extract<ToWorker, { type: 'task' }>): Promise<void> {
  const { task } = msg;
  if (task.kind === 'noop') {
    send({ type: 'done', id: msg.id, output: { kind: 'noop' }, metrics: NOOP_METRICS });
    return;
  }
  try {
    if (!run || run.runId !== msg.runId) throw new Error(`task for run ${msg.runId} reached a worker loaded for run ${run?.runId}`);
    const r = await runTaskOfKind(run, task);
    send({ type: 'done', id: msg.id, output: r.output, metrics: r.metrics }, r.transfer ?? transfersOf(r.output));
  } catch (e) {
    send({ type: 'failed', id: msg.id, error: serializeError(e, task.kind === 'reduce' ? 'reduce' : 'io') });
  }
}

// Tasks run one at a time in arrival order; the queue lets the coordinator keep the next task waiting here.
let chain: Promise<void> = Promise.resolve();

expose({
  connect(p: MessagePort, controlBuffer: SharedArrayBuffer) {
    port = p;
    control = new Int32Array(controlBuffer);
    port.on('message', (msg: ToWorker) => {
      // A no-op (round-trip measurement) is answered at once, not queued behind running tasks.
      if (msg.type === 'task' && msg.task.kind === 'noop') {
        void runTask(msg);
        return;
      }
      chain = chain.then(() => (msg.type === 'load' ? load(msg) : runTask(msg)));
    });
  },
});
