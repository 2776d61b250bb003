// Helpers shared by the benchmark files: result checking, statistics, GC between runs, spawning a
// timed process, and writing bench/results/<name>.md and .json with the machine's description.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { asCommand, NODE_ENV, runsAsCommand } from '../dist/src/node-flags.js';
import { DATA_DIR, RESULTS_DIR, ROOT } from './data.mjs';

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, min and max of timings, rounded to 0.1 ms. */
export function stats(ms) {
  const r = (x) => Math.round(x * 10) / 10;
  return { median: r(median(ms)), min: r(Math.min(...ms)), max: r(Math.max(...ms)), runs: ms.map(r) };
}

/**
 * The V8 flags and environment the `quiver` command runs with (its shebang; see src/node-flags.ts): an
 * in-process benchmark measures the engine the way the CLI runs it, so it runs under them too,
 * baselines included.
 */
export { asCommand, NODE_ENV };

/**
 * Re-runs this benchmark under NODE_FLAGS and NODE_ENV unless it already has them (they cannot be set
 * in a running process), exiting with the child's status. Processes it spawns inherit NODE_ENV.
 */
export function withNodeFlags() {
  if (runsAsCommand()) return;
  const command = asCommand(process.argv[1], process.argv.slice(2));
  const r = spawnSync(process.execPath, [...process.execArgv, ...command.args], { stdio: 'inherit', env: command.env });
  process.exit(r.status ?? 1);
}

v8.setFlagsFromString('--expose-gc');
const gc = globalThis.gc ?? vm.runInNewContext('gc');

/** Collects garbage so one contender's leftovers are not collected during the next one's timing. */
export function collectGarbage() {
  gc();
}

/** Times one call of an async or sync function, in ms; returns [ms, value]. */
export async function timeOnce(fn) {
  collectGarbage();
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

/**
 * Runs contenders `{ name, run, rows, extra?, ordered? }` round-robin: checked warm-up runs (one each,
 * or as many as fill `warmupMs`; reported as `warmup`), then `repeat` timed rounds (more while some contender's timed runs add up to less than `timedMs`), so load from other processes hits all of them alike. Every run's rows are
 * checked against `expected` rows, or else the first contender's warm-up rows (put the baseline first),
 * before its time is kept.
 */
export async function interleaved(label, contenders, repeat, { expected, warmupMs = 0, timedMs = 0 } = {}) {
  const check = (c, rows) => {
    if (!expected) expected = rows;
    else checkSameRows(`${label}, ${c.name}`, expected, rows, { ordered: c.ordered });
  };
  // Warm-up: JIT, file cache, the job bundle; its answers are checked too. Each contender runs once,
  // and again until its warm-up runs add up to warmupMs (V8 compiles a worker's hot code over its
  // first runs: a short job needs many runs to reach the speed it keeps).
  const warmups = new Map();
  for (const c of contenders) {
    const ms = [];
    while (ms.length === 0 || (sum(ms) < warmupMs && ms.length < 500)) {
      progress(`${label}: warm-up ${c.name} run ${ms.length + 1}`);
      const [t, v] = await timeOnce(c.run);
      check(c, c.rows(v));
      ms.push(t);
    }
    warmups.set(c.name, { runs: ms.length, firstMs: round1(ms[0]), lastMs: round1(ms.at(-1)) });
  }
  const times = new Map(contenders.map((c) => [c.name, []]));
  const extras = new Map(contenders.map((c) => [c.name, []]));
  // At least `repeat` rounds, and more (up to 500) until every contender's timed runs add up to
  // timedMs: a 40 ms run is noisier than a 2 s one, and its median needs more runs to settle.
  const short = () => contenders.some((c) => sum(times.get(c.name)) < timedMs);
  for (let r = 0; r < repeat || (short() && r < 500); r++) {
    for (const c of contenders) {
      const [ms, v] = await timeOnce(c.run);
      check(c, c.rows(v));
      times.get(c.name).push(ms);
      if (c.extra) extras.get(c.name).push(c.extra(v));
      progress(`${label}: ${c.name} run ${r + 1}${r < repeat ? `/${repeat}` : ''}: ${fmtMs(ms)} ms`);
    }
  }
  return contenders.map((c) => ({ name: c.name, ...stats(times.get(c.name)), extra: extras.get(c.name), warmup: warmups.get(c.name) }));
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

const round1 = (v) => Math.round(v * 10) / 10;

/** A contender for `interleaved`: a started Engine running a case; keeps each run's phase times. */
export function engineContender(engine, c, file) {
  return {
    name: `engine ${engine.workers}w`,
    run: () => engine.run(c.job, { input: file, params: c.params }),
    rows: (r) => rowsOfTable(r.table),
    extra: ({ report: r }) => ({
      phases: Object.fromEntries(Object.entries({ ...r.phases, ...r.setupDetail }).map(([k, v]) => [k, round1(v)])),
      coresBusy: Math.round(r.coresBusy * 100) / 100,
      tasks: r.tasks,
    }),
  };
}

/** Rows `[key, ...numbers]` of a result Map (values may be a number or a list of numbers). */
export function rowsOfMap(map) {
  return [...map].map(([k, v]) => [k, ...(Array.isArray(v) ? v : [v])]);
}

/** Rows `[key, ...numbers]` of a result table whose first column is the key. */
export function rowsOfTable(table) {
  const cols = table.schema.fields.map((f) => table.getChild(f.name).toArray());
  const rows = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) rows[i] = cols.map((c) => (typeof c[i] === 'bigint' ? Number(c[i]) : c[i]));
  return rows;
}

/** Rows of CSV text with a header line and no quoting; numeric-looking cells become numbers. */
export function rowsOfCsv(text) {
  const lines = text.split('\n').filter((l) => l !== '');
  return {
    header: lines[0].split(','),
    rows: lines.slice(1).map((l) => l.split(',').map((c, j) => (j > 0 || /^-?\d+(\.\d+)?$/.test(c) ? Number(c) : c))),
  };
}

const close = (a, b) =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)));

/**
 * Throws unless two result row lists hold the same keys with the same values (floats within a relative
 * 1e-9: sums in another order round differently). With `ordered`, the row order must match too.
 */
export function checkSameRows(label, expected, actual, { ordered = false } = {}) {
  if (expected.length !== actual.length) throw new Error(`${label}: expected ${expected.length} result rows, got ${actual.length}`);
  const want = ordered ? expected : [...expected].sort(byKey);
  const got = ordered ? actual : [...actual].sort(byKey);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const g = got[i];
    if (w.length !== g.length || !w.every((x, j) => close(x, g[j]))) {
      throw new Error(`${label}: row ${i} differs: expected ${JSON.stringify(w)}, got ${JSON.stringify(g)}`);
    }
  }
}

function byKey(a, b) {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Spawns `node args…` (in `env`, by default this process's), collects stdout, and resolves with the wall time from spawn to exit (what
 * `time` would show). Rejects on a non-zero exit, with stderr.
 */
export function timeProcess(args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t;
      const stderr = Buffer.concat(err).toString();
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}:\n${stderr}`));
      else resolve({ ms, stdout: Buffer.concat(out).toString(), stderr });
    });
  });
}

/** The quiver build measured: BENCH_COMMIT, or `git describe --always --dirty` of the tree. */
function commitOf() {
  if (process.env.BENCH_COMMIT) return process.env.BENCH_COMMIT;
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

/** The machine and moment a result belongs to. */
export function machine() {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    nodeFlags:
      [
        ...Object.keys(NODE_ENV)
          .filter((k) => process.env[k])
          .map((k) => `${k}=${process.env[k]}`),
        ...process.execArgv.filter((a) => a.startsWith('--')),
      ].join(' ') || 'none',
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
    commit: commitOf(),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export const NOISE_NOTE =
  'Other processes (other engineers’ builds and test runs) may have been running on this shared machine during the run; ' +
  'the load average at the start and end is recorded. Compare ratios measured in the same run, not absolute times across runs, ' +
  'and re-run on a quiet machine for publishable numbers.';

/** The markdown header of a results file. */
export function header(title, hypothesis, m, loadEnd) {
  return [
    `# ${title}`,
    '',
    `**Hypothesis.** ${hypothesis}`,
    '',
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGB} GB, ${m.platform}; Node ${m.node} (flags: ${m.nodeFlags}); ${m.date}; quiver build \`${m.commit}\`.`,
    `Load average (1/5/15 min) at start ${m.loadavg.join(' / ')}${loadEnd ? `, at end ${loadEnd.map((x) => x.toFixed(2)).join(' / ')}` : ''}.`,
    '',
    `> ${NOISE_NOTE}`,
    '',
  ];
}

/** A markdown table. */
export function mdTable(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/**
 * Writes bench/results/<name>.md and .json; results at a scale other than `full` go to the gitignored
 * bench/data/results/ instead, so a quick check never replaces the committed numbers.
 */
export function writeResults(name, scale, markdownLines, json) {
  const dir = scale === 'full' ? RESULTS_DIR : path.join(DATA_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.md`), markdownLines.join('\n') + '\n');
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  process.stderr.write(`wrote ${path.relative(ROOT, dir)}/${name}.md and .json\n`);
}

/** Formats ms for tables. */
export const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
/** Formats a ratio. */
export const fmtX = (x) => `${x.toFixed(2)}×`;

/** Writes a progress line to stderr. */
export function progress(msg) {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** The worker counts to measure: `--workers 1,2` or 1 … cores. */
export function workerCounts(argv = process.argv) {
  const i = argv.indexOf('--workers');
  if (i >= 0) return argv[i + 1].split(',').map(Number);
  return Array.from({ length: os.availableParallelism() }, (_, k) => k + 1);
}

/** A numeric flag `--name N`, or its default. */
export function intFlag(name, fallback, argv = process.argv) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/**
 * The machine's own 2 ÷ 1 thread ceiling for the two kinds of loop a scan is made of, measured with
 * plain worker_threads and no quiver: each of 1 or 2 threads runs the same loop over its own data,
 * and the ceiling is 2 × T(1 thread) ÷ T(2 threads) — what a perfectly parallel program gets here.
 *
 * - "byte loop": counts delimiters in a private 4 MB buffer, 100 times over (a tokenizer's loop: CPU and
 *   the caches; 4 MB does not fit a core's L2, so the two cores share L3).
 * - "memory stream": sums a private, already faulted-in 256 MB Float64Array (summing an Arrow column
 *   straight from memory: bandwidth).
 *
 * Interleaved rounds; returns the median ceiling of each.
 */
export async function machineCeilings(repeat) {
  const { Worker } = await import('node:worker_threads');
  const code = `
    const { parentPort } = require('node:worker_threads');
    const bytes = new Uint8Array(4 << 20).map((_, i) => ((i * 2654435761) >>> 24) % 64 + 10);
    const floats = new Float64Array(32 << 20).map((_, i) => i & 1023);
    function byteLoop() { let s = 0; for (let r = 0; r < 100; r++) for (let i = 0; i < bytes.length; i++) { const c = bytes[i]; if (c === 44) s++; else if (c === 10) s += 2; } return s; }
    function memoryStream() { let s = 0; for (let r = 0; r < 4; r++) for (let i = 0; i < floats.length; i++) s += floats[i]; return s; }
    parentPort.on('message', (k) => { const t = performance.now(); const v = k === 'byte loop' ? byteLoop() : memoryStream(); parentPort.postMessage([performance.now() - t, v]); });`;
  const threads = [0, 1].map(() => new Worker(code, { eval: true }));
  const run = (w, k) =>
    new Promise((resolve, reject) => {
      const fail = (e) => reject(e);
      w.once('error', fail);
      w.once('message', (m) => {
        w.off('error', fail);
        resolve(m);
      });
      w.postMessage(k);
    });
  const out = {};
  try {
    for (const kind of ['byte loop', 'memory stream']) {
      await Promise.all(threads.map((w) => run(w, kind))); // warm-up
      const ratios = [];
      for (let r = 0; r < repeat; r++) {
        const t1 = performance.now();
        await run(threads[0], kind);
        const one = performance.now() - t1;
        const t2 = performance.now();
        await Promise.all(threads.map((w) => run(w, kind)));
        ratios.push((2 * one) / (performance.now() - t2));
      }
      out[kind] = median(ratios);
    }
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
  return out;
}
